# SPDX-License-Identifier: AGPL-3.0-or-later
"""Domain events: what happened in the billing record, for the apps above that react to it
(outgoing webhooks, later e-mail or dashboards) without the services importing them.

A service calls `emit()` inside its transaction, where the thing happened::

    from seatline.common import events

    events.emit("invoice.issued", {"invoice": invoice_data(invoice)}, related=invoice)

and every listener an upper app subscribed in its `AppConfig.ready()` runs at once, in that
transaction, in subscription order. A listener that needs work outside the database writes a Job
row (the outbox): it commits or rolls back with the change. Event types are registered here (the
ones the core apps emit) or by an app with `register_event_type()`; emitting an unknown type is a
programming error.

The payload is a JSON object of plain values (money as text with its currency, dates ISO): it is
what a webhook receiver gets under `data`.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from seatline import clock

#: Event types: key -> what it means (shown in the back office when subscribing to events).
EVENT_TYPES: dict[str, str] = {
    "invoice.issued": "An invoice or credit note was issued (it has its number).",
    "invoice.paid": "A payment brought an invoice's open balance to zero.",
    "payment.failed": "A charge through a payment processor failed.",
    "subscription.changed": "A subscription's quantity, status or price changed (a license change log).",
    "provisioning.failed": "A provider refused a subscription change (Failed Provisioning).",
}


@dataclass(frozen=True)
class Event:
    type: str
    payload: Mapping[str, Any]
    id: str = field(default_factory=lambda: f"evt_{uuid.uuid4().hex}")
    occurred_at: dt.datetime = field(default_factory=clock.now)
    related: models.Model | None = None


Listener = Callable[[Sequence[Event]], None]

_lock = threading.Lock()
_listeners: dict[str, Listener] = {}


def register_event_type(key: str, description: str) -> None:
    """Add an event type (an app that emits new events). Same key, other text: an error."""
    with _lock:
        existing = EVENT_TYPES.get(key)
        if existing is not None and existing != description:
            raise ValueError(f"event type {key!r} is already registered: {existing!r}")
        EVENT_TYPES[key] = description


def event_types() -> list[tuple[str, str]]:
    return sorted(EVENT_TYPES.items())


def subscribe(name: str, listener: Listener) -> None:
    """Install (or replace, by name: `ready()` may run twice) a listener of every event."""
    with _lock:
        _listeners[name] = listener


def listeners() -> list[Listener]:
    with _lock:
        return list(_listeners.values())


@contextmanager
def listening(name: str, listener: Listener | None) -> Iterator[None]:
    """Temporarily install (or with None remove) the listener `name` (tests)."""
    with _lock:
        previous = _listeners.get(name)
        if listener is None:
            _listeners.pop(name, None)
        else:
            _listeners[name] = listener
    try:
        yield
    finally:
        with _lock:
            if previous is None:
                _listeners.pop(name, None)
            else:
                _listeners[name] = previous


def emit(event_type: str, payload: Mapping[str, Any], *, related: models.Model | None = None) -> Event:
    """One event, handed to every listener in the caller's transaction."""
    (event,) = emit_many(event_type, [(payload, related)])
    return event


def emit_many(event_type: str, items: Sequence[tuple[Mapping[str, Any], models.Model | None]]) -> list[Event]:
    """Events of one type at once (a batch of issued invoices): listeners get them together."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}; register it first")
    now = clock.now()
    batch = [
        Event(type=event_type, payload=payload, related=related, occurred_at=now)
        for payload, related in items
    ]
    if batch:
        for listener in listeners():
            listener(batch)
    return batch
