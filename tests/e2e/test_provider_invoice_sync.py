# SPDX-License-Identifier: AGPL-3.0-or-later
"""Provider invoices end to end over loopback: the Partner Center simulator closes March 2026 with
licence changes and Azure plan usage; Seatline's daily sync waits for the usage, downloads the
invoice through v1, again through the Graph v2 export (same lines), bills the usage with its
markup on the customer's next invoice, and imports a credit note with its corrected invoice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from seatline.connectors.base import OrderLine
from seatline.customers.models import Account
from seatline.errors import SeatlineError
from seatline.invoicing.daily import run_nightly
from seatline.invoicing.models import Invoice
from seatline.jobs.models import Job
from seatline.jobs.services import enqueue
from seatline.jobs.worker import Worker
from seatline.provider_invoices import daily, services
from seatline.provider_invoices.models import ProviderInvoice, ProviderInvoiceSettings
from seatline.provider_invoices.sync import remote_invoices, sync_invoice
from seatline.providers import services as providers
from seatline.providers.models import ProviderAccount
from seatline.providers.provisioning import recorded_as_provisioned
from seatline.providers.tests.simulator import BASIC, Sim, monthly_contract, partner_center
from seatline.subscriptions import services as subscriptions
from seatline.subscriptions.models import Subscription
from tests.connectors.simulator import acceptance, customer_request

pytestmark = pytest.mark.django_db
AZURE_PLAN = "DZH318Z0BPS6:0001:DZH318Z0BML6"
UTC = dt.UTC


def at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(tzinfo=UTC)


def line_facts(invoice: ProviderInvoice) -> list[tuple]:  # type: ignore[type-arg]
    return list(
        invoice.lines.order_by("row_number").values_list(
            "row_number", "kind", "customer_tenant_id", "provider_subscription_id", "product_id", "sku_id",
            "charge_type", "quantity", "billable_quantity", "subtotal", "tax", "total", "charge_start",
            "charge_end", "usage_date", "reference_id", "meter_name", "match", "subscription_id",
        )
    )  # fmt: skip


def test_sync_through_v1_and_graph_v2_bills_the_azure_usage(sim: Sim) -> None:
    sim.control("config", {"export_retry_after": 0, "page_size": 2})
    provider = partner_center(sim.url, graph_base_url=sim.url, export_poll_interval=0)
    ProviderInvoiceSettings.objects.create(
        provider=provider,
        usage_mismatch_tolerance=Decimal("0.01"),
        notification_emails="billing@partner.example",
        sync_source="api_v1",
    )
    with providers.connected(provider) as connector:
        customer = connector.create_customer(customer_request("Contoso"))
        connector.accept_customer_agreement(customer.id, acceptance())
        line = OrderLine(offer_id=BASIC, quantity=10, term_duration="P1Y", billing_cycle="monthly")
        (licence,) = connector.order_subscriptions(customer.id, [line]).subscriptions
    auth = {"Authorization": "Bearer any"}
    cart = sim.http.post(
        f"{sim.url}/v1/customers/{customer.id}/carts",
        json={"lineItems": [{"catalogItemId": AZURE_PLAN, "quantity": 1, "billingCycle": "OneTime"}]},
        headers=auth,
    ).json()
    checkout = sim.http.post(
        f"{sim.url}/v1/customers/{customer.id}/carts/{cart['id']}/checkout", headers=auth
    )
    azure_id = checkout.json()["orders"][0]["lineItems"][0]["subscriptionId"]

    account = Account.objects.create(name="Contoso", country="US", currency="USD")
    mapping = ProviderAccount.objects.create(
        provider=provider, account=account, provider_customer_id=customer.id
    )
    contract = monthly_contract(account, start=dt.date(2026, 3, 1))
    contract.policy = "arrears"
    contract.save()
    with recorded_as_provisioned():
        basic = subscriptions.create_subscription(
            contract=contract, name="Business Basic", quantity=10, price=Decimal("7.00"),
            start_date=dt.date(2026, 3, 2), provider=provider, provider_account=mapping,
        )  # fmt: skip
        azure = subscriptions.create_subscription(
            contract=contract, name="Azure plan", quantity=1, price=Decimal(0), kind="usage",
            start_date=dt.date(2026, 3, 1), provider=provider, provider_account=mapping,
            markup_percent=Decimal("15"),
        )  # fmt: skip
    Subscription.objects.filter(pk=basic.pk).update(provider_subscription_id=licence.id)
    Subscription.objects.filter(pk=azure.pk).update(provider_subscription_id=azure_id)

    # March at the provider: a licence change (addQuantity pair) and Azure usage
    sim.advance(dt.timedelta(days=2))
    with providers.connected(provider) as connector:
        connector.change_quantity(customer.id, licence.id, 12)
    for day, quantity, price in (("2026-03-05", "10", "1.25"), ("2026-03-20", "3.5", "2.40")):
        sim.control(
            "usage", {"subscriptionId": azure_id, "usageDate": day, "quantity": quantity, "unitPrice": price}
        )

    sim.set_now(at("2026-04-01T00:30:00"))
    run_nightly(run_date=dt.date(2026, 4, 1))  # March's customer invoice: no usage imported yet

    # published on the 6th; its daily rated usage follows on the 9th: the daily sync waits
    sim.set_now(at("2026-04-06T03:00:00"))
    enqueue("provider_invoice_sync", parameters={})
    Worker(name="e2e").run_until_idle()
    (child,) = Job.objects.filter(job_type="provider_invoice_sync", parent__isnull=False)
    assert (child.status, child.results["status"], child.results["code"]) == (
        "succeeded",
        "waiting_for_usage",
        "provider_invoice_usage_pending",
    )
    assert ProviderInvoice.objects.count() == 0
    assert [m.to for m in mail.outbox] == [["billing@partner.example"]]
    assert "waiting_for_usage" in mail.outbox[0].subject

    sim.set_now(at("2026-04-09T03:00:00"))
    outcome = daily.sync_provider(provider.pk)
    assert (outcome["status"], outcome["state"], outcome["lines"]) == ("imported", "active", 5)
    v1 = ProviderInvoice.objects.get(state="active")
    assert (v1.source, v1.usage_line_count, v1.unmapped_count, v1.difference) == ("api_v1", 2, 0, 0)
    assert v1.total == sum(line.total for line in v1.lines.all())
    v1_lines = line_facts(v1)
    assert [(row[1], row[6], row[11]) for row in v1_lines] == [
        ("license", "new", Decimal("60")),
        ("credit", "addQuantity", Decimal("-56.1")),  # 29 of 31 days: EUP 5.612903 -> 5.61 x 10 wiped
        ("license", "addQuantity", Decimal("67.32")),
        ("usage", "new", Decimal("12.5")),
        ("usage", "new", Decimal("8.4")),
    ]
    with pytest.raises(SeatlineError) as again:
        sync_invoice(provider=provider, number=v1.number)
    assert again.value.code == "provider_invoice_active"

    # deactivate, download again through the Graph v2 export: the same lines
    services.deactivate_invoice(invoice=v1)
    v2 = sync_invoice(provider=provider, number=v1.number, source="graph_v2")
    assert (v2.state, v2.source, v2.number) == ("active", "graph_v2", v1.number)
    assert line_facts(v2) == v1_lines
    v1.refresh_from_db()
    assert (v1.state, v1.replaced_by) == ("inactive", v2)
    assert '"Tier2MpnId"' in v2.lines.get(row_number=1).raw

    # the customer's next invoice bills the usage with the 15 % markup
    sim.set_now(at("2026-05-01T00:30:00"))
    run_nightly(run_date=dt.date(2026, 5, 1))
    april = Invoice.objects.get(contract=contract, period_start=dt.date(2026, 4, 1))
    (usage_line,) = april.lines.filter(type="usage")
    assert (usage_line.amount, usage_line.period_start, usage_line.period_end) == (
        Decimal("24.04"),  # (12.50 + 8.40) x 1.15 = 24.035
        dt.date(2026, 3, 1),
        dt.date(2026, 3, 31),
    )
    with pytest.raises(SeatlineError) as billed:
        services.deactivate_invoice(invoice=v2)
    assert billed.value.code == "provider_invoice_lines_invoiced"

    # Microsoft credits the invoice and re-issues it: the credit note has no daily rated usage, so
    # its checksum misses the usage until an override tolerance accepts it
    answer = sim.control("credit-note", {"invoiceId": v2.number, "dropSubscriptionId": azure_id})
    listed = {item.remote.id: item.seatline_state for item in remote_invoices(provider)}
    note_id, corrected_id = answer["creditNote"]["id"], answer["corrected"]["id"]
    assert listed == {v2.number: "active", note_id: "", corrected_id: ""}
    note = sync_invoice(provider=provider, number=note_id)
    assert (note.state, note.error_code, note.difference) == ("error", "checksum_failed", Decimal("-20.90"))
    assert (note.document_type, note.amends_number) == ("credit_note", v2.number)
    note = sync_invoice(provider=provider, number=note_id, override_tolerance="20.9")
    assert (note.state, note.tolerance) == ("active", 21)
    corrected = sync_invoice(provider=provider, number=corrected_id)
    assert (corrected.state, corrected.line_count, corrected.usage_line_count) == ("active", 3, 0)


def test_sync_provider_invoice_page_lists_the_invoices_and_downloads_the_chosen_one(
    sim: Sim, admin_client
) -> None:
    from django.urls import reverse

    provider = partner_center(sim.url, graph_base_url=sim.url, export_poll_interval=0)
    sim.control("config", {"export_retry_after": 0})
    with providers.connected(provider) as connector:
        customer = connector.create_customer(customer_request("Fabrikam"))
        connector.accept_customer_agreement(customer.id, acceptance())
        line = OrderLine(offer_id=BASIC, quantity=4, term_duration="P1M", billing_cycle="monthly")
        connector.order_subscriptions(customer.id, [line])
    sim.set_now(at("2026-04-06T08:00:00"))
    (number,) = [item.remote.id for item in remote_invoices(provider)]
    url = reverse("admin:provider_invoices_providerinvoice_changelist") + "sync/"

    chooser = admin_client.get(url)
    listing = admin_client.get(url, {"provider": provider.pk})

    assert "Show invoices" in chooser.content.decode()
    page = listing.content.decode()
    assert f"{number} (invoice, 2026-03-01..2026-03-31, 28.80 USD): not imported" in page  # 4 x 7.20
    response = admin_client.post(
        f"{url}?provider={provider.pk}", {"number": number, "override_tolerance": "0"}
    )
    assert "must be positive, not 0 (invalid_tolerance)" in response.content.decode()
    response = admin_client.post(f"{url}?provider={provider.pk}", {"number": number, "source": "graph_v2"})
    invoice = ProviderInvoice.objects.get(number=number)
    assert (response.status_code, invoice.state, invoice.source, invoice.line_count) == (
        302,
        "active",
        "graph_v2",
        1,
    )
    listing = admin_client.get(url, {"provider": provider.pk})
    assert "28.80 USD): active" in listing.content.decode()
    again = admin_client.post(
        reverse("admin:provider_invoices_providerinvoice_do_redownload", args=[invoice.pk]), {"apply": "1"}
    )
    assert "deactivate it before downloading it again (provider_invoice_active)" in again.content.decode()
