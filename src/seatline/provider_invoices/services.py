# SPDX-License-Identifier: AGPL-3.0-or-later
"""Provider invoice services: file import, deactivation, usage mapping; sync is in `sync.py`.

Every refusal is a `SeatlineError` and changes nothing:
`invalid_tolerance`, `provider_invoice_active`, `provider_invoice_not_active`,
`provider_invoice_lines_invoiced`, `unknown_template`, `invalid_date`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from django.db import transaction

from seatline import clock
from seatline.audit.context import current_actor
from seatline.audit.services import record
from seatline.errors import SeatlineError
from seatline.provider_invoices.importing import Header, Origin, parse_tolerance, run_import
from seatline.provider_invoices.models import InvoiceState, MappingTemplate, ProviderInvoice, Source
from seatline.provider_invoices.rows import TemplateReader, file_hash, file_rows, is_xlsx
from seatline.provider_invoices.usage import (
    billed_usage_exists,
    map_usage_line,
    map_usage_lines,
    remove_unbilled_usage,
)
from seatline.providers.models import Provider

__all__ = [
    "deactivate_invoice",
    "import_file",
    "map_usage_line",
    "map_usage_lines",
    "parse_tolerance",
    "template_by_key",
]


def template_by_key(key: str) -> MappingTemplate:
    template = (
        MappingTemplate.objects.filter(key=key).first() or MappingTemplate.objects.filter(name=key).first()
    )
    if template is None:
        known = ", ".join(MappingTemplate.objects.order_by("key").values_list("key", flat=True))
        raise SeatlineError(
            "unknown_template", f"no mapping template {key!r} (known: {known})", field="template"
        )
    return template


def amount(value: Any, *, field: str) -> Decimal:
    if isinstance(value, bool | float):
        raise SeatlineError("invalid_amount", f"{value!r} is not an amount", field=field)
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise SeatlineError("invalid_amount", f"{value!r} is not an amount", field=field) from None
    if not number.is_finite():
        raise SeatlineError("invalid_amount", f"{value!r} is not an amount", field=field)
    return number


def import_file(
    *,
    provider: Provider,
    template: MappingTemplate,
    number: str,
    period_start: dt.date,
    period_end: dt.date,
    total: Any,
    tax: Any = Decimal(0),
    currency: str = "",
    invoice_date: dt.date | None = None,
    override_tolerance: Any = None,
    file: str | Path | IO[bytes],
    file_name: str = "",
) -> ProviderInvoice:
    """Import a provider's CSV or XLSX file through a mapping template (streamed, flat memory)."""
    header = Header(
        number=number,
        period_start=period_start,
        period_end=period_end,
        total=amount(total, field="total"),
        tax=amount(tax if tax not in (None, "") else 0, field="tax"),
        currency=(currency or _tenant_currency()).upper(),
        invoice_date=invoice_date,
    )
    parse_tolerance(override_tolerance)  # refused before the file is read
    opened = isinstance(file, str | Path)
    handle: IO[bytes] = Path(file).open("rb") if opened else file  # type: ignore[arg-type,assignment]  # noqa: SIM115
    name = file_name or (Path(file).name if opened else getattr(file, "name", "") or "")  # type: ignore[arg-type]
    closing: list[Any] = []
    try:
        # The content: the file's bytes and the header typed with it (same file, other total: new content).
        header_text = (
            f"{header.total}|{header.tax}|{header.currency}|{header.period_start}|{header.period_end}"
        )
        digest = hashlib.sha256(f"{file_hash(handle)}|{header_text}|{template.key}".encode()).hexdigest()
        plain = not is_xlsx(str(name), handle)  # CSV: every cell is text (before the stream is read)
        numbered = file_rows(name, handle)
        closing.append(numbered)
        first = next(numbered, None)
        reader = None
        if first is not None:
            reader = TemplateReader(
                template.columns,
                kind=template.kind,
                date_formats=template.date_formats,
                header=first[1],
                plain=plain,
            )

        def rows() -> Any:
            if reader is None:
                yield [(1, "", "the file is empty (no header row)")]
                return
            if reader.missing:
                yield reader.missing
                return
            for row_number, cells in numbered:
                yield reader.read(row_number, cells)

        origin = Origin(
            source=Source.FILE,
            template=template,
            file_name=str(name),
            content_hash=digest,
            raw_columns=tuple(reader.header) if reader is not None else (),
        )
        return run_import(
            provider=provider, header=header, origin=origin, rows=rows, override_tolerance=override_tolerance
        )
    finally:
        for generator in closing:
            generator.close()
        if opened:
            handle.close()


def _tenant_currency() -> str:
    from seatline.configuration.models import Configuration

    return Configuration.get().tenant_currency


def deactivate_invoice(*, invoice: ProviderInvoice) -> ProviderInvoice:
    """Deactivate an active invoice: refused while any of its usage is billed on a non-void invoice;
    its unbilled usage records are removed."""
    with transaction.atomic():
        locked = ProviderInvoice.objects.select_for_update().get(pk=invoice.pk)
        if locked.state != InvoiceState.ACTIVE:
            raise SeatlineError(
                "provider_invoice_not_active",
                f"{locked} is {locked.get_state_display().lower()}, not active",
                field="invoice",
            )
        if billed_usage_exists(locked):
            raise SeatlineError(
                "provider_invoice_lines_invoiced",
                f"{locked}: usage from it is billed on a customer invoice; credit or void that invoice first",
                field="invoice",
            )
        removed = remove_unbilled_usage(locked)
        locked.state = InvoiceState.INACTIVE
        locked.deactivated_at = clock.now()
        locked.deactivated_by = current_actor()[:150]
        locked.save(update_fields=["state", "deactivated_at", "deactivated_by", "updated_at"])
        record(locked, "provider_invoice_deactivated", message=f"{removed} unbilled usage record(s) removed")
    return locked
