# SPDX-License-Identifier: AGPL-3.0-or-later
"""Which accounts a caller may see: every query of the API goes through `scope_for(user)`.

Back-office users see every account (their role decides what they may do). An app with users
tied to accounts (the customer portal) registers a resolver in its `AppConfig.ready()`::

    from seatline.api import scoping

    scoping.register("portal", lambda user: scoping.Scope.only(portal_account_ids(user)) if is_portal_user(user) else None)

The first resolver that answers something other than None decides. Objects outside the scope
are not found (404), never forbidden, so their existence does not leak.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, QuerySet


@dataclass(frozen=True)
class Scope:
    account_ids: frozenset[int] | None  # None: every account

    @classmethod
    def everything(cls) -> Scope:
        return cls(None)

    @classmethod
    def only(cls, account_ids: Iterable[int]) -> Scope:
        return cls(frozenset(account_ids))

    @property
    def is_unrestricted(self) -> bool:
        return self.account_ids is None

    def filter(self, queryset: QuerySet[Any], account_path: str | None) -> QuerySet[Any]:
        """`queryset` limited to the scope; `account_path` leads from its model to the account id
        ("account", "invoice__account", "pk" for accounts themselves; None: not account data)."""
        if self.account_ids is None:
            return queryset
        if account_path is None:  # global data (catalog, jobs): a restricted caller sees none of it
            return queryset.none()
        lookup = "pk__in" if account_path == "pk" else f"{account_path}_id__in"
        return queryset.filter(**{lookup: sorted(self.account_ids)})

    def allows(self, account_id: int | None) -> bool:
        return self.account_ids is None or account_id in self.account_ids


Resolver = Callable[[Any], Scope | None]
_lock = threading.Lock()
_resolvers: dict[str, Resolver] = {}


def register(name: str, resolver: Resolver) -> None:
    with _lock:
        _resolvers[name] = resolver


@contextmanager
def resolving(name: str, resolver: Resolver) -> Iterator[None]:
    """Temporarily install a resolver (tests)."""
    with _lock:
        previous = _resolvers.get(name)
        _resolvers[name] = resolver
    try:
        yield
    finally:
        with _lock:
            if previous is None:
                _resolvers.pop(name, None)
            else:
                _resolvers[name] = previous


def scope_for(user: Any) -> Scope:
    with _lock:
        resolvers = list(_resolvers.values())
    for resolver in resolvers:
        scope = resolver(user)
        if scope is not None:
            return scope
    return Scope.everything()


def account_of(obj: Model, account_path: str | None) -> int | None:
    """The account id of `obj` along `account_path` (for checks on objects named in a request body)."""
    if account_path is None:
        return None
    if account_path == "pk":
        return obj.pk
    value: Any = obj
    *parents, last = account_path.split("__")
    for part in parents:
        value = getattr(value, part)
    return getattr(value, f"{last}_id")
