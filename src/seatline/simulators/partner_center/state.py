# SPDX-License-Identifier: AGPL-3.0-or-later
"""The simulator's stores, configuration and JSON persistence.

All resources are kept as JSON-ready documents (datetimes as ISO strings, money as Decimal) in
one dictionary, so saving is one `dumps` and a restart reloads exactly what was served. Every
request runs under `SimState.lock`; the server saves after each mutating request with an atomic
write (temporary file + rename).
"""

from __future__ import annotations

import datetime as dt
import pathlib
from decimal import Decimal
from typing import Any

from seatline.simulators.base.clock import first_of_next_month, fmt_instant
from seatline.simulators.base.state import BaseState, new_etag, new_id

__all__ = ["CONFIG_TYPES", "DEFAULT_CONFIG", "ROUNDING_MODES", "SimState", "new_etag", "new_id"]

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
    # Invoices appear at 00:00 UTC on this day of the next month (1-28); 0: Microsoft's 6th to 8th
    # (the 6th, 7th or 8th in turn: 6 + (month - 1) mod 3 of the publishing month).
    "invoice_publish_day": 0,
    "usage_delay_days": 3,  # daily rated usage of an invoice is readable this many days after publishing
    "tax_on_header": False,  # tax only on the invoice header (lines carry taxTotal 0)
    "export_polls": 2,  # Graph export operations answer `running` this many times, then succeed
    "export_retry_after": 5,  # Retry-After (seconds) on a running operation
    "export_partitions": 2,  # blob partitions of an export (at least 2 when it has 2+ rows)
    "sas_lifetime": 3600,  # seconds a manifest's SAS token is valid (simulator clock); then 403
    "renewal_processing_minutes": 0,  # PATCH answers 409 for this long after a renewal
    "provisioning_delay_seconds": 60,  # with the delay_provisioning fault
    "bom": False,  # /v1 answers start with a UTF-8 byte-order mark
    "pascal_case": False,  # /v1 answers use PascalCase keys (Id, Quantity, Attributes.Etag)
}
CONFIG_TYPES: dict[str, type] = {
    "page_size": int,
    "token_lifetime": int,
    "full_refund_24h": bool,
    "strict_auth": bool,
    "tax_rate": Decimal,
    "rounding": str,
    "invoice_publish_day": int,
    "usage_delay_days": int,
    "tax_on_header": bool,
    "export_polls": int,
    "export_retry_after": int,
    "export_partitions": int,
    "sas_lifetime": int,
    "renewal_processing_minutes": int,
    "provisioning_delay_seconds": int,
    "bom": bool,
    "pascal_case": bool,
}
ROUNDING_MODES = ("unit_rounddown", "line_rounddown", "line_half_up")


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
        "invoices": {},  # invoice id -> invoice resource (+ "_publishAt", "_usageAt")
        "usage": [],  # DailyRatedUsageLineItem rows (invoiceNumber "" until month close)
        "document_rows": {},  # credit note / corrected invoice id -> its billing rows
        "document_usage": {},  # corrected invoice id -> its usage rows
        "exports": {},  # Graph export operation id -> {kind, invoiceId, attributeSet, polls, manifestId}
        "manifests": {},  # manifest id -> manifest resource
        "blobs": {},  # "container/name" -> {"rows": [...], "expiresAt", "sig"}
        "access_tokens": {},  # token -> {"clientId", "expiresAt"}
        "refresh_tokens": {},  # token -> {"clientId", "used"}
        "faults": [],  # [{"method", "pattern", "status", "retryAfter", "remaining"}]
        "delay_provisioning": False,
        "next_month_close": fmt_instant(first_of_next_month(now)),
        "invoice_counter": 0,
    }


class SimState(BaseState):
    """Stores + clock + persistence. Hold `lock` while reading or changing anything."""

    STATE_VERSION = STATE_VERSION

    def __init__(
        self,
        path: pathlib.Path | None = None,
        start_time: dt.datetime | None = None,
        page_size: int | None = None,
        config: dict[str, Any] | None = None,
    ) -> None:
        self._page_size = page_size
        self._config = dict(config or {})  # start-up overrides (CLI flags), kept across resets
        super().__init__(path, start_time)

    def fresh(self, now: dt.datetime) -> dict[str, Any]:
        data = _fresh(now, self._page_size)
        data["config"].update(self._config)
        return data

    def loaded(self) -> None:
        if self._page_size:
            self.data["config"]["page_size"] = self._page_size
        self.data["config"] = {**DEFAULT_CONFIG, **self.data["config"], **self._config}
        for key in ("usage", "document_rows", "document_usage", "exports", "manifests", "blobs"):
            self.data.setdefault(key, [] if key == "usage" else {})

    def tax_rate(self) -> Decimal:
        return Decimal(str(self.config["tax_rate"]))
