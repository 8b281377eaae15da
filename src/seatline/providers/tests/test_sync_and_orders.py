# SPDX-License-Identifier: AGPL-3.0-or-later
"""Subscription sync from the provider (import, drift, NCE refresh) and sales-order provisioning."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from seatline import clock
from seatline.audit.models import AuditEvent
from seatline.catalog.models import PriceList, PriceListItem, Product
from seatline.connectors.base import AgreementAcceptance, OrderLine
from seatline.contracts.models import BillingContract
from seatline.errors import SeatlineError
from seatline.jobs.models import Job
from seatline.providers import services as providers
from seatline.providers.models import Provider, ProviderAccount, SalesOrder, SalesOrderLine
from seatline.providers.orders import NewContract
from seatline.providers.tests.simulator import (
    BASIC,
    START,
    Sim,
    basic_product,
    customer_account,
    monthly_contract,
    partner_center,
)
from seatline.subscriptions import services
from seatline.subscriptions.models import Subscription

pytestmark = pytest.mark.django_db

VISIO = "CFQ7TTC0HD33:0001:CFQ7TTC0LGSS"  # in the simulator's catalog, not in Seatline's


def customer_with_subscriptions(sim: Sim) -> tuple[Provider, ProviderAccount, list[str]]:
    provider = partner_center(sim.url)
    account, contact = customer_account()
    mapping = providers.onboard_customer(
        account=account, provider=provider, domain="fabrikam", contact=contact
    )
    with providers.connected(provider) as connector:
        customer_id = mapping.provider_customer_id
        connector.accept_customer_agreement(
            customer_id,
            AgreementAcceptance(
                first_name="Ada", last_name="Lee", email="ada@fabrikam.example", date_agreed=START
            ),
        )
        offers = [offer.id for offer in connector.list_offers("US")]
        other = next(offer for offer in offers if not offer.startswith("CFQ7TTC0LH18:"))
        ids = []
        for offer, quantity in ((BASIC, 5), (other, 2)):
            result = connector.order_subscriptions(
                customer_id,
                [OrderLine(offer_id=offer, quantity=quantity, term_duration="P1Y", billing_cycle="monthly")],
            )
            ids.append(result.subscriptions[0].id)
    return provider, mapping, ids


def test_sync_imports_reports_drift_and_refreshes_nce_fields(sim: Sim) -> None:
    provider, mapping, (basic_id, other_id) = customer_with_subscriptions(sim)
    product = basic_product(provider)
    usd = PriceList.objects.create(name="USD", currency="USD")
    PriceListItem.objects.create(
        price_list=usd, product=product, sales_unit="monthly", selling_price=Decimal("7.20")
    )
    contract = monthly_contract(mapping.account)
    contract.price_list = usd
    contract.save()

    listed = providers.sync_subscriptions(provider_account=mapping)
    assert ([s.id for s in listed.not_imported], [s.id for s in listed.unmatched]) == ([basic_id], [other_id])
    assert Subscription.objects.count() == 0

    report = providers.sync_subscriptions(provider_account=mapping, contract=contract)
    (imported,) = report.imported
    assert (imported.provider_subscription_id, imported.quantity, imported.price, imported.product) == (
        basic_id,
        5,
        Decimal("7.20"),
        product,
    )
    assert (
        imported.cancellation_allowed_until,
        imported.refundable_quantity,
        imported.commitment_end_date,
    ) == (
        dt.datetime(2026, 3, 9, 10, 0, tzinfo=dt.UTC),
        5,
        dt.date(2027, 3, 1),
    )
    assert imported.provisioning_status == "not_applicable"
    (create,) = imported.change_logs.all()
    assert (create.kind, create.provisioning_status) == ("create", "not_applicable")
    assert Job.objects.filter(job_type="sync_license_change_log").count() == 0

    # the provider changes on its own: reported, not overwritten
    with providers.connected(provider) as connector:
        connector.change_quantity(mapping.provider_customer_id, basic_id, 9)
    again = providers.sync_subscriptions(provider_account=mapping, contract=contract)
    assert again.imported == []
    (drift,) = again.drift
    assert (
        drift.subscription_id,
        drift.seatline_quantity,
        drift.provider_quantity,
        drift.provider_status,
    ) == (
        imported.pk,
        5,
        9,
        "active",
    )
    imported.refresh_from_db()
    assert (imported.quantity, imported.refundable_quantity) == (5, 9)
    assert (
        AuditEvent.objects.filter(action="provider_quantity_drift", object_id=str(imported.pk)).count() == 1
    )


def test_sync_refusals(sim: Sim) -> None:
    provider = partner_center(sim.url)
    unmapped = ProviderAccount.objects.create(provider=provider, provider_customer_id="x")
    with pytest.raises(SeatlineError) as not_mapped:
        providers.sync_subscriptions(provider_account=unmapped)
    assert not_mapped.value.code == "provider_account_unmapped"
    account, _ = customer_account()
    other, _ = customer_account("Other", "other.example")
    unmapped.account = account
    unmapped.save()
    with pytest.raises(SeatlineError) as mismatch:
        providers.sync_subscriptions(provider_account=unmapped, contract=monthly_contract(other))
    assert mismatch.value.code == "contract_account_mismatch"


@pytest.fixture
def order_setup(db: None) -> dict[str, object]:
    account, _ = customer_account()
    manual = Provider.objects.create(
        name="Vendor portal", type="manual", reminder_email="ops@partner.example"
    )
    product = Product.objects.create(name="Backup seats", default_provider=manual)
    contract = monthly_contract(account, start=dt.date(2026, 1, 1))
    with clock.frozen(dt.date(2026, 3, 1)):
        existing = services.create_subscription(
            contract=contract,
            name="Backup seats",
            quantity=4,
            price=Decimal("3.00"),
            start_date=dt.date(2026, 1, 1),
            product=product,
        )
    order = SalesOrder.objects.create(account=account, number="SO-1001")
    SalesOrderLine.objects.create(order=order, product=product, quantity=6, unit_price=Decimal("3.00"))
    SalesOrderLine.objects.create(
        order=order, product=product, quantity=2, unit_price=Decimal("3.00"), existing_subscription=existing
    )
    return {
        "account": account,
        "product": product,
        "contract": contract,
        "existing": existing,
        "order": order,
    }


def test_provision_order_into_a_new_contract(order_setup: dict[str, object]) -> None:
    order: SalesOrder = order_setup["order"]  # type: ignore[assignment]
    existing: Subscription = order_setup["existing"]  # type: ignore[assignment]
    with clock.frozen(dt.date(2026, 3, 10)):
        providers.provision_order(
            order=order, new_contract=NewContract(frequency="annual", payment_terms="net45", policy="advance")
        )
    assert (order.status, order.status_reason) == ("fulfilled", "complete")
    contract = order.contract
    assert contract is not None and contract != order_setup["contract"]
    assert (contract.frequency, contract.payment_terms, contract.start_date, contract.currency) == (
        "annual",
        "net45",
        dt.date(2026, 3, 10),
        "USD",
    )
    new_line, increase_line = order.lines.order_by("id")
    created = new_line.provisioned_subscription
    assert (created.contract, created.quantity, created.start_date, created.provider) == (
        contract,
        6,
        dt.date(2026, 3, 10),
        order_setup["product"].default_provider,  # type: ignore[attr-defined]
    )
    existing.refresh_from_db()
    assert (increase_line.provisioned_subscription, existing.quantity) == (existing, 6)
    assert set(Job.objects.values_list("job_type", flat=True)) == {
        "update_next_invoice_date",
        "manual_provider_reminder_email",
    }
    with pytest.raises(SeatlineError) as twice:
        providers.provision_order(order=order, contract=contract)
    assert twice.value.code == "order_fulfilled"


def test_provision_order_refusals_change_nothing(order_setup: dict[str, object]) -> None:
    order: SalesOrder = order_setup["order"]  # type: ignore[assignment]
    contract: BillingContract = order_setup["contract"]  # type: ignore[assignment]
    with pytest.raises(SeatlineError) as both:
        providers.provision_order(order=order, contract=contract, new_contract=NewContract())
    assert both.value.code == "contract_required"
    automatic = Provider.objects.create(name="PC", type="automatic", connector="partner_center")
    SalesOrderLine.objects.create(
        order=order,
        product=order_setup["product"],
        quantity=1,
        unit_price=Decimal(1),
        provider_override=automatic,  # type: ignore[misc]
    )
    before = (BillingContract.objects.count(), Subscription.objects.count(), Job.objects.count())
    with pytest.raises(SeatlineError) as unmapped:
        providers.provision_order(order=order, new_contract=NewContract())
    assert unmapped.value.code == "provider_account_missing"
    order.refresh_from_db()
    assert order.status == "draft"
    assert (BillingContract.objects.count(), Subscription.objects.count(), Job.objects.count()) == before
