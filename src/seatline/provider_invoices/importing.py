# SPDX-License-Identifier: AGPL-3.0-or-later
"""One provider invoice import, whatever the source (file, API v1, Graph v2): docs/reconciliation-rules.md 1-2.

    refusals first (nothing changes): invalid_tolerance, provider_invoice_active
    -> in one transaction: the invoice (populating), its lines streamed into the database, the
       checksum, then active (usage records created) or error (checksum_failed)
    -> a row that cannot be read (amount, date, missing column) rolls all of it back and leaves an
       `error` invoice without lines whose errors CSV names every bad row and column.

Re-importing identical content (same SHA-256) of an active invoice returns it unchanged; an
`error` or `inactive` invoice of the same number is replaced (`replaced_at`, `replaced_by`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction

from seatline import clock
from seatline.audit.services import record
from seatline.errors import SeatlineError
from seatline.provider_invoices import hooks
from seatline.provider_invoices.models import (
    InvoiceState,
    LineKind,
    MappingTemplate,
    Match,
    ProviderInvoice,
    ProviderInvoiceSettings,
)
from seatline.provider_invoices.rows import LineData, Problem
from seatline.provider_invoices.sink import LineSink
from seatline.providers.models import Provider, ProviderAccount

logger = logging.getLogger(__name__)
MAX_ERRORS = 1000
MAX_WARNINGS = 10_000
FOUR = Decimal("0.0001")

RowSource = Callable[[], Iterable["LineData | list[Problem]"]]


@dataclass(frozen=True)
class Header:
    number: str
    period_start: dt.date
    period_end: dt.date
    total: Decimal
    tax: Decimal = Decimal(0)
    currency: str = "USD"
    invoice_date: dt.date | None = None
    document_type: str = ProviderInvoice.DocumentType.INVOICE
    amends_number: str = ""


@dataclass(frozen=True)
class Origin:
    source: str
    template: MappingTemplate | None = None
    file_name: str = ""
    content_hash: str = ""
    raw_columns: tuple[str, ...] = ()


@dataclass
class Totals:
    lines: int = 0
    usage: int = 0
    unmapped: int = 0
    line_total: Decimal = Decimal(0)
    any_tax: bool = False
    warnings: list[Problem] = field(default_factory=list)
    warning_count: int = 0


class _Rejected(Exception):
    def __init__(self, problems: list[Problem], more: bool) -> None:
        super().__init__(f"{len(problems)} unreadable row(s)")
        self.problems = problems
        self.more = more


def parse_tolerance(value: Any) -> Decimal | None:
    """An override tolerance: positive, rounded up to a whole number (0.2 -> 1); None when absent."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool | float):
        raise SeatlineError("invalid_tolerance", f"{value!r} is not an amount", field="override_tolerance")
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise SeatlineError(
            "invalid_tolerance",
            f"the override tolerance {value!r} is not a number",
            field="override_tolerance",
        ) from None
    if not number.is_finite() or number <= 0:
        raise SeatlineError(
            "invalid_tolerance",
            f"the override tolerance must be positive, not {value}",
            field="override_tolerance",
        )
    return number.to_integral_value(rounding=ROUND_CEILING)


def settings_for(provider: Provider) -> ProviderInvoiceSettings:
    found = ProviderInvoiceSettings.objects.filter(provider=provider).first()
    return found if found is not None else ProviderInvoiceSettings(provider=provider)


def provider_tolerance(provider: Provider, currency: str) -> Decimal:
    settings = settings_for(provider)
    return settings.usage_mismatch_tolerance if settings.currency == currency else Decimal(0)


def checksum(header: Header, totals: Totals) -> Decimal:
    """header total - sum of line totals; without tax on any line, the header's tax is left out."""
    if not totals.any_tax and header.tax:
        return (header.total - header.tax) - totals.line_total
    return header.total - totals.line_total


class Matcher:
    """Which Seatline subscription a line is for (rule 1: provider subscription id; rule 2: tenant +
    product, only to tell unmapped lines; the reconciliation feature refines groups)."""

    def __init__(self, provider: Provider) -> None:
        from seatline.subscriptions.models import Subscription

        self.by_id: dict[str, tuple[int, str]] = {}
        self.tenant_products: set[tuple[str, str]] = set()
        tenants: dict[int, list[str]] = {}
        for tenant, account_id in ProviderAccount.objects.filter(
            provider=provider, account__isnull=False
        ).values_list("provider_customer_id", "account_id"):
            tenants.setdefault(account_id, []).append(tenant.lower())
        rows = Subscription.objects.filter(provider=provider).values_list(
            "pk", "kind", "provider_subscription_id", "account_id", "product__part_number"
        )
        for pk, kind, provider_id, account_id, part in rows:
            if provider_id:
                self.by_id.setdefault(provider_id.lower(), (pk, kind))
            elif part:
                for tenant in tenants.get(account_id, ()):
                    self.tenant_products.add((tenant, part.lower()))

    def match(self, line: LineData) -> tuple[str, int | None]:
        found = (
            self.by_id.get(line.provider_subscription_id.lower()) if line.provider_subscription_id else None
        )
        if line.kind == LineKind.USAGE:
            return (Match.SUBSCRIPTION, found[0]) if found and found[1] == "usage" else (Match.NONE, None)
        if found is not None:
            return Match.SUBSCRIPTION, found[0]
        part = f"{line.product_id}:{line.sku_id}".lower()
        if (line.customer_tenant_id.lower(), part) in self.tenant_products:
            return Match.TENANT_PRODUCT, None
        return Match.NONE, None


def _csv(problems: Iterable[Problem], footer: str = "") -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["row", "column", "problem"])
    writer.writerows(problems)
    if footer:
        writer.writerow(["", "", footer])
    return out.getvalue()


def run_import(
    *,
    provider: Provider,
    header: Header,
    origin: Origin,
    rows: RowSource,
    override_tolerance: Any = None,
) -> ProviderInvoice:
    """Import one provider invoice (see the module doc); returns the invoice, active or error."""
    override = parse_tolerance(override_tolerance)
    if header.period_end < header.period_start:
        raise SeatlineError("invalid_date", "the billing period ends before it starts", field="period_end")
    number = header.number.strip()
    if not number:
        raise SeatlineError("invalid_number", "a provider invoice needs a number", field="number")
    try:
        with transaction.atomic():
            previous = (
                ProviderInvoice.objects.select_for_update()
                .filter(provider=provider, number=number, replaced_at__isnull=True)
                .first()
            )
            if previous is not None and _same(previous, origin, override):
                return previous
            if previous is not None and previous.state in (InvoiceState.ACTIVE, InvoiceState.POPULATING):
                raise SeatlineError(
                    "provider_invoice_active",
                    f"{provider} invoice {number} is {previous.get_state_display().lower()}: deactivate it before "
                    "importing it again",
                    field="number",
                )
            if previous is not None:
                previous.replaced_at = clock.now()
                previous.save(update_fields=["replaced_at"])
            invoice = _new_invoice(provider, header, origin, override)
            try:
                with transaction.atomic():
                    totals = _stream(invoice, rows(), Matcher(provider))
                    _finish(invoice, header, totals)
            except _Rejected as rejected:
                _reject(invoice, rejected)
            if previous is not None:
                previous.replaced_by = invoice
                previous.save(update_fields=["replaced_by"])
                record(previous, "provider_invoice_replaced", message=f"replaced by import #{invoice.pk}")
            return invoice
    except IntegrityError as exc:  # a concurrent import of the same number won the race
        raise SeatlineError(
            "provider_invoice_active",
            f"{provider} invoice {number} is being imported right now",
            field="number",
        ) from exc


def _same(previous: ProviderInvoice, origin: Origin, override: Decimal | None) -> bool:
    """Identical content already imported: active (any tolerance), or error with the same override."""
    if not origin.content_hash or previous.content_hash != origin.content_hash:
        return False
    if previous.state == InvoiceState.ACTIVE:
        return True
    return previous.state == InvoiceState.ERROR and previous.override_tolerance == override


def _new_invoice(
    provider: Provider, header: Header, origin: Origin, override: Decimal | None
) -> ProviderInvoice:
    own = provider_tolerance(provider, header.currency)
    return ProviderInvoice.objects.create(
        provider=provider,
        number=header.number.strip(),
        document_type=header.document_type,
        amends_number=header.amends_number,
        invoice_date=header.invoice_date,
        period_start=header.period_start,
        period_end=header.period_end,
        currency=header.currency,
        total=header.total,
        tax=header.tax,
        state=InvoiceState.POPULATING,
        provider_tolerance=own,
        override_tolerance=override,
        tolerance=max(own, override or Decimal(0)),
        source=origin.source,
        template=origin.template,
        file_name=origin.file_name[:255],
        content_hash=origin.content_hash,
        raw_columns=list(origin.raw_columns),
    )


def _stream(invoice: ProviderInvoice, rows: Iterable[LineData | list[Problem]], matcher: Matcher) -> Totals:
    totals = Totals()
    problems: list[Problem] = []
    more = False
    with LineSink(invoice.pk) as sink:
        for item in rows:
            if isinstance(item, list):
                if len(problems) < MAX_ERRORS:
                    problems.extend(item[: MAX_ERRORS - len(problems)])
                else:
                    more = True
                    break
                continue
            if problems:
                continue  # keep reading to name every bad row, insert nothing more
            match, subscription_id = matcher.match(item)
            sink.add(item, match, subscription_id)
            totals.lines += 1
            totals.line_total += item.total
            if item.tax:
                totals.any_tax = True
            if item.kind == LineKind.USAGE:
                totals.usage += 1
            if not match:
                totals.unmapped += 1
                _warn_unmapped(totals, item)
        if problems:
            raise _Rejected(problems, more)
    return totals


def _warn_unmapped(totals: Totals, line: LineData) -> None:
    totals.warning_count += 1
    if len(totals.warnings) >= MAX_WARNINGS:
        return
    if line.kind == LineKind.USAGE:
        problem = f"unmapped usage line: no usage subscription with provider subscription id {line.provider_subscription_id!r}"
    else:
        problem = (
            f"unmapped: no subscription with provider subscription id {line.provider_subscription_id!r} and no "
            f"subscription of product {line.product_id}:{line.sku_id} for tenant {line.customer_tenant_id!r}"
        )
    totals.warnings.append((line.row_number, "provider_subscription_id", problem))


def _finish(invoice: ProviderInvoice, header: Header, totals: Totals) -> None:
    from seatline.provider_invoices.usage import bill_usage

    difference = checksum(header, totals)
    invoice.difference = difference.quantize(FOUR, rounding=ROUND_HALF_UP)
    invoice.line_count = totals.lines
    invoice.usage_line_count = totals.usage
    invoice.unmapped_count = totals.unmapped
    invoice.imported_at = clock.now()
    if totals.warnings:
        more = totals.warning_count - len(totals.warnings)
        invoice.warnings_csv = _csv(
            totals.warnings, f"... and {more} more unmapped line(s)" if more > 0 else ""
        )
    if abs(difference) <= invoice.tolerance:
        invoice.state = InvoiceState.ACTIVE
        invoice.save()
        record(
            invoice,
            "provider_invoice_activated",
            message=f"{totals.lines} line(s), difference {difference} within tolerance {invoice.tolerance}",
        )
        bill_usage(invoice)
        hooks.activated(invoice)
        return
    invoice.state = InvoiceState.ERROR
    invoice.error_code = "checksum_failed"
    invoice.error_message = (
        f"checksum failed: the header total {header.total} minus the lines' total {totals.line_total}"
        f"{' (header tax ' + str(header.tax) + ' left out: no line carries tax)' if not totals.any_tax and header.tax else ''}"
        f" leaves a difference of {difference}, beyond the tolerance {invoice.tolerance}"
    )
    invoice.errors_csv = _csv([(0, "total", invoice.error_message)])
    invoice.save()
    record(invoice, "provider_invoice_failed", message=invoice.error_message)


def _reject(invoice: ProviderInvoice, rejected: _Rejected) -> None:
    first = rejected.problems[0]
    where = f"row {first[0]}, column {first[1]}"
    invoice.state = InvoiceState.ERROR
    invoice.error_code = "unreadable_file" if first[0] != 1 else "missing_column"
    invoice.error_message = f"the file was not imported: {where}: {first[2]}" + (
        f" (and {len(rejected.problems) - 1} more problem(s), see the errors file)"
        if len(rejected.problems) > 1
        else ""
    )
    invoice.errors_csv = _csv(rejected.problems, "... more problems not listed" if rejected.more else "")
    invoice.imported_at = clock.now()
    invoice.save()
    record(invoice, "provider_invoice_failed", message=invoice.error_message)
