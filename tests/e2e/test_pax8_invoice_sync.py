# SPDX-License-Identifier: AGPL-3.0-or-later
"""Pax8 invoices end to end over loopback: the Pax8 simulator serves April 2026's invoice with its
items; Seatline's provider invoice sync (service, daily job, command) imports it through the Pax8
connector as a provider invoice whose lines carry the Microsoft subscription id, with the Partner
Center sync's states, checksum, tolerances and replacement; a second sync changes nothing."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command

from seatline.catalog.models import Product
from seatline.errors import SeatlineError
from seatline.provider_invoices import daily, services
from seatline.provider_invoices.models import ProviderInvoice
from seatline.provider_invoices.sync import remote_invoices, sync_invoice
from seatline.providers.models import Provider, ProviderAccount
from tests.connectors.pax8_support import Pax8Sim, running, seed_month
from tests.factories import make_account, make_contract, make_subscription

pytestmark = pytest.mark.django_db
SECRET_ENV = "SEATLINE_TEST_PAX8_SECRET"
E3_PAX8_PRODUCT = str(uuid.uuid5(uuid.NAMESPACE_URL, "Office 365 E3"))  # the simulator's product id


@pytest.fixture
def sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[Pax8Sim]:
    monkeypatch.setenv(SECRET_ENV, "s3cret")
    with running() as handle:
        yield handle


def pax8_provider(sim: Pax8Sim, **settings: Any) -> Provider:
    values = {**sim.settings(), "client_secret_env": SECRET_ENV, "max_retry_sleep": 1, **settings}
    return Provider.objects.create(name="Pax8", type="automatic", connector="pax8", settings=values)


def seatline_side(provider: Provider) -> dict[str, Any]:
    """Contoso's Business Basic known by its Microsoft subscription id; Fabrikam's by tenant + product."""
    basic = Product.objects.create(name="Microsoft 365 Business Basic", part_number="CFQ7TTC0LH18:0001")
    contoso = make_account(name="Contoso")
    fabrikam = make_account(name="Fabrikam")
    ProviderAccount.objects.create(provider=provider, account=contoso, provider_customer_id="co-contoso")
    ProviderAccount.objects.create(provider=provider, account=fabrikam, provider_customer_id="co-fabrikam")
    contoso_basic = make_subscription(
        make_contract(contoso), provider=provider, provider_subscription_id="ms-sub-basic", product=basic
    )
    fabrikam_basic = make_subscription(make_contract(fabrikam), provider=provider, product=basic)
    return {"contoso_basic": contoso_basic, "fabrikam_basic": fabrikam_basic}


def facts(invoice: ProviderInvoice) -> list[tuple[Any, ...]]:
    return list(
        invoice.lines.order_by("row_number").values_list(
            "row_number", "kind", "customer_tenant_id", "provider_subscription_id", "product_id", "sku_id",
            "charge_type", "unit_price", "quantity", "subtotal", "tax", "total", "charge_start", "charge_end",
            "reference_id", "match", "subscription_id",
        )
    )  # fmt: skip


def test_a_pax8_invoice_imports_with_the_microsoft_subscription_ids(sim: Pax8Sim) -> None:
    seed_month(sim)
    provider = pax8_provider(sim, page_size=2)  # six items and three subscriptions: several pages each
    mine = seatline_side(provider)
    sim.fault("GET /v1/invoices/*/items", 429, retry_after=0)

    invoice = sync_invoice(provider=provider)

    assert (invoice.number, invoice.state, invoice.source, invoice.document_type) == (
        "inv-2026-04",
        "active",
        "pax8_api",
        "invoice",
    )
    assert (invoice.total, invoice.tax, invoice.difference, invoice.currency) == (
        Decimal("197.91"),
        Decimal("8.28"),
        Decimal(0),
        "USD",
    )
    assert (invoice.period_start, invoice.period_end, invoice.invoice_date) == (
        dt.date(2026, 3, 17),
        dt.date(2026, 4, 30),
        dt.date(2026, 4, 1),
    )
    assert (invoice.line_count, invoice.usage_line_count, invoice.unmapped_count) == (6, 0, 2)
    d = dt.date
    basic, fab = mine["contoso_basic"].pk, None
    assert facts(invoice) == [
        (1, "license", "co-contoso", "ms-sub-basic", "CFQ7TTC0LH18", "0001", "subscription", Decimal("5.4"),
         Decimal(10), Decimal(54), Decimal(0), Decimal(54), d(2026, 4, 1), d(2026, 4, 30), "p8-sub-basic",
         "subscription", basic),
        (2, "license", "co-contoso", "ms-sub-e3", E3_PAX8_PRODUCT, "", "subscription",
         Decimal("20.7"), Decimal(5), Decimal("103.5"), Decimal("8.28"), Decimal("111.78"), d(2026, 4, 1),
         d(2026, 4, 30), "p8-sub-e3", "", None),
        (3, "license", "co-contoso", "ms-sub-basic", "CFQ7TTC0LH18", "0001", "prorate", Decimal("2.61"),
         Decimal(2), Decimal("5.22"), Decimal(0), Decimal("5.22"), d(2026, 3, 17), d(2026, 3, 31), "p8-sub-basic",
         "subscription", basic),
        (4, "credit", "co-fabrikam", "ms-sub-fab", "CFQ7TTC0LH18", "0001", "prorate", Decimal("2.09"),
         Decimal(-1), Decimal("-2.09"), Decimal(0), Decimal("-2.09"), d(2026, 3, 20), d(2026, 3, 31),
         "p8-sub-fab", "tenant_product", fab),
        (5, "one_time", "co-fabrikam", "ms-sub-fab", "CFQ7TTC0LH18", "0001", "one-time", Decimal(25), Decimal(1),
         Decimal(25), Decimal(0), Decimal(25), d(2026, 4, 1), d(2026, 4, 1), "p8-sub-fab", "tenant_product", fab),
        (6, "license", "co-fabrikam", "p8-sub-gone", "", "", "subscription",
         Decimal(4), Decimal(1), Decimal(4), Decimal(0), Decimal(4), d(2026, 4, 1), d(2026, 4, 30), "p8-sub-gone",
         "", None),
    ]  # fmt: skip
    first = invoice.lines.get(row_number=1)
    assert first.raw_fields()["subscriptionId"] == "p8-sub-basic"
    assert first.raw_fields()["costTotal"] == "54.00"
    assert [row.split(",")[0] for row in invoice.warnings_csv.splitlines()[1:]] == ["2", "6"]
    (listed,) = remote_invoices(provider)
    assert (listed.remote.id, listed.seatline_state) == ("inv-2026-04", "active")
    assert listed.label == "inv-2026-04 (invoice, dated 2026-04-01, Unpaid, 197.91 USD): active"


def test_a_second_sync_changes_nothing_and_a_deactivated_invoice_is_replaced(sim: Pax8Sim) -> None:
    seed_month(sim)
    provider = pax8_provider(sim)
    seatline_side(provider)
    first = sync_invoice(provider=provider)
    lines = facts(first)

    sim.advance("P2D")  # the connector's cached token has expired at Pax8 meanwhile
    with pytest.raises(SeatlineError) as again:
        sync_invoice(provider=provider)
    assert again.value.code == "provider_invoice_active"
    assert daily.sync_provider(provider.pk)["status"] == "up_to_date"
    assert ProviderInvoice.objects.count() == 1
    assert facts(ProviderInvoice.objects.get()) == lines

    services.deactivate_invoice(invoice=first)
    second = sync_invoice(provider=provider, number="inv-2026-04")
    assert (second.state, second.number, second.content_hash) == ("active", first.number, first.content_hash)
    assert facts(second) == lines
    first.refresh_from_db()
    assert (first.state, first.replaced_by) == ("inactive", second)


def test_checksum_failure_then_an_override_tolerance(sim: Pax8Sim) -> None:
    seed_month(sim)
    sim.control(
        "invoices",
        {"id": "inv-2026-05", "invoiceDate": "2026-05-01", "total": "55.50", "items": [
            {"subscriptionId": "p8-sub-basic", "quantity": 10, "startPeriod": "2026-05-01"}]},
    )  # fmt: skip
    provider = pax8_provider(sim)

    failed = sync_invoice(provider=provider)  # the newest: May's
    assert (failed.number, failed.state, failed.error_code, failed.difference) == (
        "inv-2026-05",
        "error",
        "checksum_failed",
        Decimal("1.5"),
    )
    assert failed.lines.count() == 1  # kept for inspection, not usable
    with pytest.raises(SeatlineError) as refused:
        sync_invoice(provider=provider, number="inv-2026-05", override_tolerance="0")
    assert refused.value.code == "invalid_tolerance"

    accepted = sync_invoice(provider=provider, number="inv-2026-05", override_tolerance="1.2")
    assert (accepted.state, accepted.tolerance, accepted.difference) == ("active", Decimal(2), Decimal("1.5"))
    failed.refresh_from_db()
    assert failed.replaced_by == accepted


def test_void_and_unknown_invoices_are_refused(sim: Pax8Sim) -> None:
    seed_month(sim)
    sim.control("invoices", {"id": "inv-void", "invoiceDate": "2026-06-01", "status": "Void"})
    provider = pax8_provider(sim)
    assert sync_invoice(provider=provider).number == "inv-2026-04"  # the newest that is not void
    for number, code in (("inv-void", "provider_invoice_void"), ("nope", "provider_invoice_not_found")):
        with pytest.raises(SeatlineError) as refused:
            sync_invoice(provider=provider, number=number)
        assert refused.value.code == code
    assert ProviderInvoice.objects.count() == 1


def test_the_command_syncs_a_pax8_invoice(sim: Pax8Sim) -> None:
    seed_month(sim)
    pax8_provider(sim)
    out = io.StringIO()
    call_command("provider_invoice", "sync", "--provider", "Pax8", "--number", "inv-2026-04", stdout=out)
    assert out.getvalue().splitlines()[:3] == [
        "provider invoice inv-2026-04 (Pax8): active",
        "difference: 0.0000 (tolerance 0)",
        "lines: 6 (0 usage, 6 unmapped)",
    ]
