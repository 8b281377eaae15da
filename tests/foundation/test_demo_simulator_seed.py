# SPDX-License-Identifier: AGPL-3.0-or-later
"""The demo seeds the Partner Center simulator through the real connector, so back-office changes provision."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest

from seatline.audit.models import AuditEvent
from seatline.catalog.models import Product
from seatline.common.choices import ProvisioningStatus
from seatline.demo.simulator_seed import seed_simulator
from seatline.jobs.worker import Worker
from seatline.providers import services as providers
from seatline.providers.models import Provider, ProviderAccount
from seatline.providers.provisioning import recorded_as_provisioned
from seatline.providers.tests.simulator import Sim, customer_account, monthly_contract, running_simulator
from seatline.subscriptions import services
from seatline.subscriptions.models import LicenseChangeLog, Subscription

pytestmark = pytest.mark.django_db

STALE_CUSTOMER = "00000000-0000-4000-8000-00000000dead"


@pytest.fixture
def sim(db: None) -> Iterator[Sim]:
    with running_simulator() as handle:
        yield handle


def demo_like(sim: Sim) -> tuple[Provider, ProviderAccount, list[Subscription]]:
    provider = Provider.objects.create(
        name="Microsoft Partner Center",
        type="automatic",
        connector="partner_center",
        settings={
            "base_url": sim.url,
            "authority": sim.url,
            "tenant": "seatline-demo.onmicrosoft.com",
            "auth": "static",
            "order_poll_interval": 0.1,
            "order_max_wait": 2,
            "patch_poll_interval": 0.1,
            "patch_max_wait": 2,
        },
    )
    account, _ = customer_account("Contoso Pharma", "contosopharma.example")
    account.country = "United States"  # the demo's countries are free text, as typed
    account.save(update_fields=["country"])
    mapping = ProviderAccount.objects.create(
        provider=provider,
        account=account,
        provider_customer_id=STALE_CUSTOMER,  # random, as the demo's: unknown to the simulator
        name_at_provider=account.name,
        domain="contosopharma.onmicrosoft.com",
    )
    contract = monthly_contract(account, start=dt.date(2026, 3, 1))
    parts = [
        ("Office 365 E3", "CFQ7TTC0LF8Q:0001", 12),
        ("Microsoft 365 E5", "CFQ7TTC0LFLZ:0002", 5),
        ("Retired legacy suite", "CFQ7TTC0ZZZZ:0001", 30),  # not in the simulator's catalog
    ]
    subscriptions = []
    with recorded_as_provisioned():
        for name, part, quantity in parts:
            product = Product.objects.create(
                name=name, part_number=part, default_provider=provider, default_term_months=12
            )
            subscriptions.append(
                services.create_subscription(
                    contract=contract,
                    name=name,
                    product=product,
                    quantity=quantity,
                    price=Decimal("20.00"),
                    cost=Decimal("16.00"),
                    start_date=contract.start_date,
                    kind="license",
                    sales_unit="monthly",
                    term_months=12,
                    provider=provider,
                    provider_account=mapping,
                )
            )
    return provider, mapping, subscriptions


def test_seed_simulator_makes_demo_changes_provision(sim: Sim) -> None:
    sim.seatline_clock.set(dt.datetime(2026, 4, 10, 9, 0, tzinfo=dt.UTC))
    provider, mapping, (e3, e5, f3) = demo_like(sim)
    assert LicenseChangeLog.objects.exclude(provisioning_status=ProvisioningStatus.PROVISIONED).count() == 0
    lcls = LicenseChangeLog.objects.count()

    report = seed_simulator(provider)

    assert (report.customers_created, report.customers_present) == (1, 0)
    assert (report.subscriptions_ordered, report.subscriptions_present, report.not_in_catalog) == (2, 0, 1)
    assert report.failures == []
    assert report.clock == "2026-04-10T09:00:00Z"
    assert sim.http.get(f"{sim.url}/_sim/clock").json()["now"] == "2026-04-10T09:00:00Z"
    mapping.refresh_from_db()
    assert mapping.provider_customer_id != STALE_CUSTOMER
    for subscription in (e3, e5, f3):
        subscription.refresh_from_db()
    assert f3.provider_subscription_id == ""
    with providers.connected(provider) as connector:
        customer = connector.find_customer(customer_id=mapping.provider_customer_id)
        assert customer is not None
        assert customer.domain == "contosopharma.onmicrosoft.com"
        assert [
            a.agreement_type for a in connector.list_customer_agreements(mapping.provider_customer_id)
        ] == ["MicrosoftCustomerAgreement"]
        at_sim = {s.id: s for s in connector.list_subscriptions(mapping.provider_customer_id)}
    assert set(at_sim) == {e3.provider_subscription_id, e5.provider_subscription_id}
    assert at_sim[e3.provider_subscription_id].quantity == 12
    assert at_sim[e5.provider_subscription_id].quantity == 5
    assert e3.provider_offer_id.startswith("CFQ7TTC0LF8Q:0001:")
    assert e3.commitment_end_date == at_sim[e3.provider_subscription_id].commitment_end
    assert e3.cancellation_allowed_until == at_sim[e3.provider_subscription_id].cancellation_allowed_until
    assert e3.cancellation_allowed_until is not None
    assert LicenseChangeLog.objects.count() == lcls  # seeding is not a change
    seeded = AuditEvent.objects.filter(
        action="seeded_at_simulator", content_type__model="subscription", object_id=str(e3.pk)
    ).get()
    assert seeded.message.startswith(
        f"seeded at the demo simulator: provider subscription {e3.provider_subscription_id}"
    )
    assert AuditEvent.objects.filter(action="seeded_at_simulator").count() == 3  # the customer, e3, e5

    again = seed_simulator(provider)

    assert (again.customers_created, again.customers_present) == (0, 1)
    assert (again.subscriptions_ordered, again.subscriptions_present, again.not_in_catalog) == (0, 2, 1)
    assert again.failures == []
    assert AuditEvent.objects.filter(action="seeded_at_simulator").count() == 3

    change = services.change_quantity(subscription=e3, quantity=15)
    assert change is not None
    assert change.provisioning_status == ProvisioningStatus.AWAITING
    assert Worker(name="t").run_until_idle() >= 1

    change.refresh_from_db()
    assert change.provisioning_status == ProvisioningStatus.PROVISIONED, change.provisioning_message
    with providers.connected(provider) as connector:
        assert (
            connector.get_subscription(mapping.provider_customer_id, e3.provider_subscription_id).quantity
            == 15
        )
