# SPDX-License-Identifier: AGPL-3.0-or-later
"""Invoices over loopback: daily rated usage (v1), the Graph v2 billed exports, credit notes.

The simulator closes March 2026 with licence rows and Azure plan usage; the invoice is published on
the 6th of April (Microsoft's 6th-8th), its usage readable three days later.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from seatline.connectors.base import InvoiceDocumentType, OrderLine
from seatline.connectors.errors import ProviderExportExpiredError, ProviderNoDataError
from seatline.connectors.partner_center.connector import PartnerCenterConnector
from tests.connectors.simulator import BASIC, Recorder, Sim, acceptance, customer_request

AZURE_PLAN = "DZH318Z0BPS6:0001:DZH318Z0BML6"


def month_with_usage(sim: Sim, connector: PartnerCenterConnector) -> dict[str, Any]:
    customer = connector.create_customer(customer_request("Contoso"))
    connector.accept_customer_agreement(customer.id, acceptance())
    line = OrderLine(offer_id=BASIC, quantity=10, term_duration="P1Y", billing_cycle="monthly")
    (licence,) = connector.order_subscriptions(customer.id, [line]).subscriptions
    sim.advance("P1D")
    connector.change_quantity(customer.id, licence.id, 12)  # an addQuantity wipe/recreate pair
    auth = {"Authorization": "Bearer any"}
    cart = sim.http.post(
        f"{sim.url}/v1/customers/{customer.id}/carts",
        json={"lineItems": [{"catalogItemId": AZURE_PLAN, "quantity": 1, "billingCycle": "OneTime"}]},
        headers=auth,
    ).json()
    order = sim.http.post(f"{sim.url}/v1/customers/{customer.id}/carts/{cart['id']}/checkout", headers=auth)
    azure = order.json()["orders"][0]["lineItems"][0]["subscriptionId"]
    sim.control(
        "usage", {"subscriptionId": azure, "usageDate": "2026-03-05", "quantity": "10", "unitPrice": "1.25"}
    )
    sim.control(
        "usage", {"subscriptionId": azure, "usageDate": "2026-03-20", "quantity": "3.5", "unitPrice": "2.40"}
    )
    return {"customer": customer.id, "licence": licence.id, "azure": azure}


@pytest.fixture
def graph_connector(sim: Sim, make: Callable[..., PartnerCenterConnector]) -> PartnerCenterConnector:
    return make(graph_base_url=sim.url, export_poll_interval=7, line_page_size=2)


def test_invoice_published_on_the_6th_and_its_usage_three_days_later(
    sim: Sim, graph_connector: PartnerCenterConnector, recorder: Recorder
) -> None:
    ids = month_with_usage(sim, graph_connector)
    sim.set_now("2026-04-05T23:00:00Z")
    assert graph_connector.list_invoices() == []

    sim.set_now("2026-04-06T00:00:00Z")

    (invoice,) = graph_connector.list_invoices()
    assert (invoice.period_start, invoice.period_end, invoice.invoice_date) == (
        dt.date(2026, 3, 1),
        dt.date(2026, 3, 31),
        dt.date(2026, 4, 1),
    )
    assert invoice.has_usage_lines is True
    assert list(graph_connector.iter_usage_lines(invoice.id, "USD")) == []  # not processed yet
    with pytest.raises(ProviderNoDataError) as no_data:
        list(graph_connector.export_usage_lines(invoice.id))
    assert (no_data.value.code, no_data.value.provider_message) == ("provider_no_data", "No data available")

    sim.set_now("2026-04-09T00:00:00Z")

    usage = list(graph_connector.iter_usage_lines(invoice.id, "USD"))
    assert [(u.subscription_id, u.usage_date, u.quantity, u.pre_tax_total) for u in usage] == [
        (ids["azure"], dt.date(2026, 3, 5), Decimal(10), Decimal("12.50")),
        (ids["azure"], dt.date(2026, 3, 20), Decimal("3.5"), Decimal("8.40")),
    ]
    lines = list(graph_connector.iter_invoice_lines(invoice.id))
    assert {line.subscription_id for line in lines} == {ids["licence"]}
    licences = sum((line.total for line in lines), Decimal(0))
    assert invoice.total_charges == licences + Decimal("20.90")
    assert invoice.tax_total == Decimal(0)
    assert list(graph_connector.iter_invoice_lines(invoice.id, billing_provider="office")) == []
    assert [r.url.params["provider"] for r in recorder.to("GET", "/lineitems")][-1] == "office"
    with pytest.raises(ValueError):
        list(graph_connector.iter_invoice_lines(invoice.id, billing_provider="legacy"))


def test_graph_exports_give_the_v1_lines_in_two_partitions(
    sim: Sim, graph_connector: PartnerCenterConnector, sleeps: list[float]
) -> None:
    month_with_usage(sim, graph_connector)
    sim.set_now("2026-04-09T00:00:00Z")
    (invoice,) = graph_connector.list_invoices()
    v1_lines = list(graph_connector.iter_invoice_lines(invoice.id))
    v1_usage = list(graph_connector.iter_usage_lines(invoice.id, "USD"))

    graph = graph_connector.graph
    assert graph is not None
    manifest = graph.manifest(graph.wait(graph.start("reconciliation", invoice.id)))
    assert (manifest.blob_count, [b.partition_value for b in manifest.blobs]) == (2, ["1", "2"])
    assert sleeps == [5, 5]  # the operation's Retry-After, twice
    v2_lines = list(graph_connector.export_reconciliation_lines(invoice.id))
    v2_usage = list(graph_connector.export_usage_lines(invoice.id))

    assert v2_lines == v1_lines and len(v1_lines) == 3
    assert v2_usage == v1_usage and len(v1_usage) == 2
    assert "Tier2MpnId" in v2_lines[0].raw and "totalForCustomer" in v1_lines[0].raw
    assert v2_usage[0].raw["BillingPreTaxTotal"] == Decimal("12.50")


def test_basic_attributes_read_as_empty_and_an_expired_sas_is_refused(
    sim: Sim, graph_connector: PartnerCenterConnector
) -> None:
    month_with_usage(sim, graph_connector)
    sim.set_now("2026-04-09T00:00:00Z")
    (invoice,) = graph_connector.list_invoices()
    graph = graph_connector.graph
    assert graph is not None

    basic = graph.manifest(graph.wait(graph.start("usage", invoice.id, attribute_set="basic")))
    records = list(graph.iter_records(basic))
    assert "MeterName" not in records[0] and "ProductName" not in records[0]
    from seatline.connectors.partner_center.invoices import parse_usage_line

    parsed = parse_usage_line(records[0])
    assert (parsed.meter_name, parsed.product_name, parsed.pre_tax_total) == ("", "", Decimal("12.50"))

    full = graph.manifest(graph.wait(graph.start("usage", invoice.id)))
    sim.advance("PT2H")  # past the SAS expiry (1 h)
    with pytest.raises(ProviderExportExpiredError) as expired:
        list(graph.iter_records(full))
    assert expired.value.code == "provider_export_expired"
    assert expired.value.http_status == 403
    assert "Signed expiry time has passed" in (expired.value.provider_message or "")


def test_credit_note_with_a_corrected_invoice(sim: Sim, graph_connector: PartnerCenterConnector) -> None:
    ids = month_with_usage(sim, graph_connector)
    sim.set_now("2026-04-10T00:00:00Z")
    (original,) = graph_connector.list_invoices()

    answer = sim.control("credit-note", {"invoiceId": original.id, "dropSubscriptionId": ids["azure"]})

    invoices = {invoice.id: invoice for invoice in graph_connector.list_invoices()}
    note_id, corrected_id = answer["creditNote"]["id"], answer["corrected"]["id"]
    assert set(invoices) == {original.id, note_id, corrected_id}
    (amendment,) = invoices[original.id].amendments
    assert (amendment.id, amendment.document_type, amendment.amends_of) == (
        note_id,
        InvoiceDocumentType.CREDIT_NOTE,
        original.id,
    )
    note = invoices[note_id]
    assert note.total_charges == -original.total_charges
    assert note.has_usage_lines is False  # Microsoft publishes no daily rated usage for a credit note
    note_lines = list(graph_connector.iter_invoice_lines(note_id))
    assert [(line.charge_type, line.total) for line in note_lines] == [
        ("customerCredit", -line.total) for line in graph_connector.iter_invoice_lines(original.id)
    ]
    corrected = invoices[corrected_id]
    assert corrected.total_charges == original.total_charges - Decimal("20.90")  # the usage dropped
    assert corrected.has_usage_lines is False


def test_tax_on_the_header_only(sim: Sim, graph_connector: PartnerCenterConnector) -> None:
    sim.control("config", {"tax_on_header": True, "tax_rate": "0.1"})
    month_with_usage(sim, graph_connector)
    sim.set_now("2026-04-09T00:00:00Z")
    (invoice,) = graph_connector.list_invoices()

    lines = list(graph_connector.iter_invoice_lines(invoice.id))

    assert all(line.tax_total == 0 and line.total == line.subtotal for line in lines)
    base = sum((line.subtotal for line in lines), Decimal(0)) + Decimal("20.90")
    assert invoice.tax_total == (base / 10).quantize(Decimal("0.01"))
    assert invoice.total_charges == base + invoice.tax_total
