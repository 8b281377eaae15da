# SPDX-License-Identifier: AGPL-3.0-or-later
"""What the apps above provider invoices do when one becomes active, without this app importing
them (the pattern of `subscriptions/hooks.py`): the reconciliation installs its hook in its
`AppConfig.ready()` and enqueues its `reconcile` job, inside the import's transaction."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from seatline.provider_invoices.models import ProviderInvoice


@dataclass(frozen=True)
class InvoiceHooks:
    name: str
    activated: Callable[[ProviderInvoice], None] | None = None


_lock = threading.Lock()
_hooks: dict[str, InvoiceHooks] = {}


def register(hooks: InvoiceHooks) -> None:
    """Install (or replace, by name) an app's hooks."""
    with _lock:
        _hooks[hooks.name] = hooks


def installed() -> list[InvoiceHooks]:
    with _lock:
        return list(_hooks.values())


def activated(invoice: ProviderInvoice) -> None:
    """Called in the import's transaction once `invoice` is active (its usage records made)."""
    for hook in installed():
        if hook.activated is not None:
            hook.activated(invoice)
