# SPDX-License-Identifier: AGPL-3.0-or-later
"""What the apps above the subscriptions layer do when a subscription changes, without the
subscriptions app importing them (NetBox's registry pattern).

An upper app installs its hooks in its `AppConfig.ready()`::

    from seatline.subscriptions import hooks

    class ProvidersConfig(AppConfig):
        def ready(self) -> None:
            hooks.register(hooks.ChangeHooks(name="provisioning", before_change=..., ...))

Every LCL is made by `subscriptions.changes.new_change`, inside the caller's transaction, which
calls, in registration order:

* `before_change(subscription, kind)`: may refuse (raise `SeatlineError`) before the row exists;
* `provisioning_status(subscription, kind)`: the new LCL's provisioning status (the first hook
  that answers something other than None decides; none: Not Applicable);
* `after_change(subscription, change)`: work in the same transaction once the LCL exists
  (an outbox job, the change lines of invoiced days);
* `check_reduction(subscription, reduction, cancel)`: refuse a reduction up front (a provider's
  cancellation window), called by the services next to the QRB check.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from seatline.subscriptions.models import LicenseChangeLog, Subscription


@dataclass(frozen=True)
class ChangeHooks:
    """One app's reactions to subscription changes; any of them may be None."""

    name: str
    before_change: Callable[[Subscription, str], None] | None = None
    provisioning_status: Callable[[Subscription, str], str | None] | None = None
    after_change: Callable[[Subscription, LicenseChangeLog], None] | None = None
    check_reduction: Callable[[Subscription, int, bool], None] | None = None


_lock = threading.Lock()
_hooks: dict[str, ChangeHooks] = {}


def register(hooks: ChangeHooks) -> None:
    """Install (or replace, by name: `ready()` may run twice) an app's hooks."""
    with _lock:
        _hooks[hooks.name] = hooks


def installed() -> list[ChangeHooks]:
    with _lock:
        return list(_hooks.values())


@contextmanager
def override(hooks: ChangeHooks) -> Iterator[None]:
    """Temporarily install `hooks` in place of the ones of the same name (tests)."""
    with _lock:
        previous = _hooks.get(hooks.name)
        _hooks[hooks.name] = hooks
    try:
        yield
    finally:
        with _lock:
            if previous is None:
                _hooks.pop(hooks.name, None)
            else:
                _hooks[hooks.name] = previous


def before_change(subscription: Subscription, *, kind: str) -> None:
    for hook in installed():
        if hook.before_change is not None:
            hook.before_change(subscription, kind)


def provisioning_status(subscription: Subscription, *, kind: str, default: str) -> str:
    for hook in installed():
        if hook.provisioning_status is not None:
            status = hook.provisioning_status(subscription, kind)
            if status is not None:
                return status
    return default


def after_change(subscription: Subscription, change: LicenseChangeLog) -> None:
    for hook in installed():
        if hook.after_change is not None:
            hook.after_change(subscription, change)


def check_reduction(subscription: Subscription, *, reduction: int, cancel: bool = False) -> None:
    for hook in installed():
        if hook.check_reduction is not None:
            hook.check_reduction(subscription, reduction, cancel)
