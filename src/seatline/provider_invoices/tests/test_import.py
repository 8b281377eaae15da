# SPDX-License-Identifier: AGPL-3.0-or-later
"""File import through mapping templates: checksum, tolerances, malformed rows, replacement, usage."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from seatline.errors import SeatlineError
from seatline.invoicing.models import InvoiceLine
from seatline.provider_invoices import services
from seatline.provider_invoices.models import ProviderInvoice, ProviderInvoiceLine
from seatline.provider_invoices.tests.support import (
    NCE_HEADER,
    csv_file,
    customer,
    nce_row,
    provider,
    usage_subscription,
)
from seatline.subscriptions.models import UsageRecord

pytestmark = pytest.mark.django_db
JAN = (dt.date(2024, 1, 1), dt.date(2024, 1, 31))


def import_nce(
    tmp_path: Path, rows: list[dict], *, total: str, tax: str = "0", number: str = "G000000001", **kw
):  # type: ignore[no-untyped-def]
    on = kw.pop("provider")
    path = csv_file(tmp_path / f"{number}-{len(rows)}.csv", NCE_HEADER, rows)
    return services.import_file(
        provider=on,
        template=services.template_by_key("microsoft_nce_reconciliation"),
        number=number,
        period_start=JAN[0],
        period_end=JAN[1],
        total=total,
        tax=tax,
        file=path,
        **kw,
    )


def test_a_balanced_file_is_active_with_every_field_and_its_raw_row(tmp_path: Path) -> None:
    on = provider()
    rows = [
        nce_row(),
        nce_row(
            ChargeType="removeQuantity", Subtotal="-56.10", Total="-56.10", EffectiveUnitPrice="-5.612903"
        ),
        nce_row(
            ChargeType="usage",
            SubscriptionId="azure-1",
            Subtotal="12.50",
            Total="12.50",
            ChargeStartDate="01/05/2024",
        ),
    ]

    invoice = import_nce(tmp_path, rows, total="16.40", provider=on)

    assert (invoice.state, invoice.difference, invoice.line_count, invoice.unmapped_count) == (
        "active",
        0,
        3,
        3,
    )
    lines = list(invoice.lines.order_by("row_number"))
    assert [(line.row_number, line.kind, line.total) for line in lines] == [
        (2, "license", Decimal("60")),
        (3, "credit", Decimal("-56.1")),
        (4, "usage", Decimal("12.5")),
    ]
    assert lines[1].effective_unit_price == Decimal("-5.612903")
    assert lines[2].charge_start == dt.date(2024, 1, 5)  # the template's %m/%d/%Y
    assert lines[0].raw_fields()["TermAndBillingCycle"] == "One-Year commitment for monthly/yearly billing"
    assert json.loads(lines[0].raw)[NCE_HEADER.index("Subtotal")] == "60.00"
    assert invoice.warnings_csv.splitlines()[0] == "row,column,problem"
    assert invoice.warnings_csv.splitlines()[1].startswith("2,provider_subscription_id,unmapped:")


def test_checksum_failure_names_the_difference(tmp_path: Path) -> None:
    on = provider()

    invoice = import_nce(tmp_path, [nce_row()], total="61.00", provider=on)

    assert (invoice.state, invoice.error_code, invoice.difference) == ("error", "checksum_failed", Decimal(1))
    assert "difference of 1.00" in invoice.error_message
    assert invoice.errors_csv.startswith(
        'row,column,problem\n0,total,"checksum failed: the header total 61.00'
    )


def test_accepted_under_the_provider_tolerance(tmp_path: Path) -> None:
    on = provider(tolerance="0.50")

    invoice = import_nce(tmp_path, [nce_row()], total="60.40", provider=on)

    assert (invoice.state, invoice.difference, invoice.tolerance) == (
        "active",
        Decimal("0.4"),
        Decimal("0.5"),
    )


def test_override_tolerance_rounds_up_and_zero_or_negative_is_refused(tmp_path: Path) -> None:
    on = provider()
    failed = import_nce(tmp_path, [nce_row()], total="60.90", provider=on)
    assert failed.state == "error"

    for bad in ("0", "-1", "abc"):
        with pytest.raises(SeatlineError) as refused:
            import_nce(tmp_path, [nce_row()], total="60.90", provider=on, override_tolerance=bad)
        assert (refused.value.code, refused.value.field) == ("invalid_tolerance", "override_tolerance")
    assert ProviderInvoice.objects.count() == 1

    accepted = import_nce(tmp_path, [nce_row()], total="60.90", provider=on, override_tolerance="0.2")

    assert (accepted.state, accepted.override_tolerance, accepted.tolerance) == ("active", 1, 1)
    failed.refresh_from_db()
    assert (failed.replaced_by, failed.replaced_at is not None) == (accepted, True)


def test_header_only_tax_is_left_out_of_the_checksum(tmp_path: Path) -> None:
    invoice = import_nce(tmp_path, [nce_row()], total="66.00", tax="6.00", provider=provider())

    assert (invoice.state, invoice.difference) == ("active", 0)


def test_a_malformed_row_rejects_the_whole_file_naming_row_and_column(tmp_path: Path) -> None:
    on = provider()
    rows = [nce_row(), nce_row(Total="12,50"), nce_row(ChargeEndDate="31.01.2024")]

    invoice = import_nce(tmp_path, rows, total="180", provider=on)

    assert (invoice.state, invoice.error_code, invoice.line_count) == ("error", "unreadable_file", 0)
    assert invoice.error_message.startswith(
        "the file was not imported: row 3, column Total: unreadable amount '12,50'"
    )
    assert invoice.errors_csv.splitlines()[1:] == [
        "3,Total,\"unreadable amount '12,50'\"",
        "4,ChargeEndDate,unreadable date '31.01.2024'",
    ]
    assert ProviderInvoiceLine.objects.count() == 0


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    on = provider()
    header = [name for name in NCE_HEADER if name != "Total"]
    path = csv_file(tmp_path / "f.csv", header, [{k: v for k, v in nce_row().items() if k != "Total"}])

    invoice = services.import_file(
        provider=on,
        template=services.template_by_key("microsoft_nce_reconciliation"),
        number="G1",
        period_start=JAN[0],
        period_end=JAN[1],
        total="60",
        file=path,
    )

    assert (invoice.state, invoice.error_code) == ("error", "missing_column")
    assert "row 1, column Total: column missing from the header" in invoice.error_message


def test_reimport_identical_content_is_idempotent_and_other_content_refused(tmp_path: Path) -> None:
    on = provider()
    first = import_nce(tmp_path, [nce_row()], total="60", provider=on)

    again = import_nce(tmp_path, [nce_row()], total="60", provider=on)

    assert again == first and ProviderInvoice.objects.count() == 1
    with pytest.raises(SeatlineError) as refused:
        import_nce(tmp_path, [nce_row(), nce_row()], total="120", provider=on)
    assert refused.value.code == "provider_invoice_active"
    assert ProviderInvoice.objects.count() == 1


def test_usage_becomes_a_usage_record_and_deactivation_removes_it_unless_billed(tmp_path: Path) -> None:
    on = provider()
    _, contract = customer(on)
    azure = usage_subscription(contract, on, "azure-1", markup="10")
    rows = [
        nce_row(ChargeType="usage", SubscriptionId="azure-1", Subtotal="12.50", Total="12.50"),
        nce_row(ChargeType="usage", SubscriptionId="AZURE-1", Subtotal="8.40", Total="8.40"),
        nce_row(ChargeType="usage", SubscriptionId="azure-unknown", Subtotal="1.00", Total="1.00"),
    ]
    invoice = import_nce(tmp_path, rows, total="21.90", provider=on)

    (usage,) = UsageRecord.objects.all()
    assert (usage.subscription, usage.cost, usage.markup_percent) == (azure, Decimal("20.9"), Decimal(10))
    assert (usage.period_start, usage.period_end, usage.invoiced) == (*JAN, False)
    assert invoice.lines.filter(usage_record=usage).count() == 2
    assert invoice.unmapped_count == 1

    services.deactivate_invoice(invoice=invoice)

    assert UsageRecord.objects.count() == 0
    invoice.refresh_from_db()
    assert (invoice.state, invoice.deactivated_at is not None) == ("inactive", True)
    with pytest.raises(SeatlineError) as again:
        services.deactivate_invoice(invoice=invoice)
    assert again.value.code == "provider_invoice_not_active"


def test_deactivation_is_refused_while_its_usage_is_billed(tmp_path: Path) -> None:
    from seatline.invoicing.daily import run_nightly

    on = provider()
    _, contract = customer(on)
    usage_subscription(contract, on, "azure-1", markup="10")
    invoice = import_nce(
        tmp_path,
        [nce_row(ChargeType="usage", SubscriptionId="azure-1", Subtotal="100", Total="100")],
        total="100",
        provider=on,
    )
    run_nightly(run_date=dt.date(2024, 2, 1))  # the arrears contract's January invoice bills the usage
    (billed,) = InvoiceLine.objects.filter(type="usage")
    assert billed.amount == Decimal("110.00")

    with pytest.raises(SeatlineError) as refused:
        services.deactivate_invoice(invoice=invoice)

    assert (refused.value.code, refused.value.field) == ("provider_invoice_lines_invoiced", "invoice")
    invoice.refresh_from_db()
    assert invoice.state == "active"
    assert UsageRecord.objects.count() == 1


def test_unmapped_usage_is_billed_once_mapped(tmp_path: Path) -> None:
    on = provider()
    _, contract = customer(on)
    invoice = import_nce(
        tmp_path,
        [nce_row(ChargeType="usage", SubscriptionId="azure-9", Subtotal="30", Total="30")],
        total="30",
        provider=on,
    )
    assert (invoice.unmapped_count, UsageRecord.objects.count()) == (1, 0)
    azure = usage_subscription(contract, on, "azure-9")

    (usage,) = services.map_usage_line(line=invoice.lines.get(), subscription=azure)

    assert (usage.subscription, usage.cost) == (azure, Decimal(30))
    invoice.refresh_from_db()
    assert invoice.unmapped_count == 0
