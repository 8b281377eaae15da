# SPDX-License-Identifier: AGPL-3.0-or-later
"""The simulator's stores, configuration and JSON persistence.

All resources are kept as JSON-ready documents (datetimes as ISO strings, money as Decimal) in
one dictionary, so saving is one `dumps` and a restart reloads exactly what was served. Every
request runs under `SimState.lock`; the server saves after each mutating request with an atomic
write (temporary file + rename).
"""

from __future__ import annotations

import datetime as dt
import os
import pathlib
import tempfile
import threading
import uuid
from decimal import Decimal
from typing import Any

from seatline import clock
from seatline.simulators.partner_center import jsonio
from seatline.simulators.partner_center.clock import SimClock, first_of_next_month, fmt_instant, parse_instant

STATE_VERSION = 1
PARTNER_TENANT_ID = "5d6f1e3a-0000-4c1b-9a8e-5ea71111e000"
PARTNER_MPN_ID = "6001234"

DEFAULT_CONFIG: dict[str, Any] = {
    "page_size": 100,  # default `size` of paged collections
    "token_lifetime": 3600,  # seconds an access token lives (simulator clock)
    "full_refund_24h": False,  # cancel within 24 h refunds the whole cycle (open question 7.2)
    "strict_auth": False,  # only tokens issued by /{tenant}/oauth2/... are accepted
    "tax_rate": Decimal("0"),  # taxTotal = ROUND_HALF_UP(subtotal x tax_rate, 2)
    "rounding": "unit_rounddown",  # | "line_rounddown" | "line_half_up" (see ledger.subtotal)
    "invoice_publish_day": 1,  # invoices appear at 00:00 UTC on this day of the next month (1-28)
    "renewal_processing_minutes": 0,  # PATCH answers 409 for this long after a renewal
    "provisioning_delay_seconds": 60,  # with the delay_provisioning fault
}
CONFIG_TYPES: dict[str, type] = {
    "page_size": int,
    "token_lifetime": int,
    "full_refund_24h": bool,
    "strict_auth": bool,
    "tax_rate": Decimal,
    "rounding": str,
    "invoice_publish_day": int,
    "renewal_processing_minutes": int,
    "provisioning_delay_seconds": int,
}
ROUNDING_MODES = ("unit_rounddown", "line_rounddown", "line_half_up")


def new_id() -> str:
    return str(uuid.uuid4())


def new_etag() -> str:
    return uuid.uuid4().hex


def _fresh(now: dt.datetime, page_size: int | None) -> dict[str, Any]:
    config = dict(DEFAULT_CONFIG)
    if page_size:
        config["page_size"] = page_size
    return {
        "version": STATE_VERSION,
        "now": fmt_instant(now),
        "config": config,
        "customers": {},  # id -> customer resource (insertion order = list order)
        "replays": {},  # MS-RequestId of POST /v1/customers -> customer id
        "agreements": {},  # customer id -> [agreement resource]
        "carts": {},  # cart id -> {"customerId", "cart"}
        "orders": {},  # order id -> {"customerId", "order", "pendingLines", "completeAt"}
        "subscriptions": {},  # subscription id -> internal record (see rules.py)
        "ledger": [],  # OneTimeInvoiceLineItem rows (invoiceNumber "" until month close)
        "invoices": {},  # invoice id -> invoice resource (+ "_publishAt")
        "access_tokens": {},  # token -> {"clientId", "expiresAt"}
        "refresh_tokens": {},  # token -> {"clientId", "used"}
        "faults": [],  # [{"method", "pattern", "status", "retryAfter", "remaining"}]
        "delay_provisioning": False,
        "next_month_close": fmt_instant(first_of_next_month(now)),
        "invoice_counter": 0,
    }


class SimState:
    """Stores + clock + persistence. Hold `lock` while reading or changing anything."""

    def __init__(
        self,
        path: pathlib.Path | None = None,
        start_time: dt.datetime | None = None,
        page_size: int | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.path = path
        self._start_time = start_time
        self._page_size = page_size
        if path is not None and path.exists():
            self.data = jsonio.loads(path.read_text(encoding="utf-8"))
            if self.data.get("version") != STATE_VERSION:
                raise ValueError(f"{path}: unsupported simulator state version {self.data.get('version')!r}")
            if page_size:
                self.data["config"]["page_size"] = page_size
            self.clock = SimClock(parse_instant(self.data["now"]))
        else:
            start = start_time or self._default_start()
            self.clock = SimClock(start)
            self.data = _fresh(start, page_size)

    @staticmethod
    def _default_start() -> dt.datetime:
        return clock.now().replace(microsecond=0)

    # -- accessors -------------------------------------------------------------------------
    def now(self) -> dt.datetime:
        return self.clock.now()

    def set_now(self, value: dt.datetime) -> None:
        self.clock.set(value)
        self.data["now"] = fmt_instant(value)

    @property
    def config(self) -> dict[str, Any]:
        return self.data["config"]

    def tax_rate(self) -> Decimal:
        return Decimal(str(self.config["tax_rate"]))

    def reset(self) -> None:
        start = self._start_time or self._default_start()
        self.clock = SimClock(start)
        self.data = _fresh(start, self._page_size)

    # -- persistence -----------------------------------------------------------------------
    def save(self) -> None:
        if self.path is None:
            return
        self.data["now"] = fmt_instant(self.now())
        text = jsonio.dumps(self.data, indent=1)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            pathlib.Path(tmp).unlink(missing_ok=True)
            raise
