# SPDX-License-Identifier: AGPL-3.0-or-later
"""Seatline and the Partner Center simulator end to end over loopback HTTP, both clocks moving together.

onboard (domain check, tenant, MCA -> Agreement accepted) -> annual NCE subscription through the
subscription services -> the sync job orders it -> reduce inside the window -> 8 days later a
reduction is refused up front -> increase -> the added seats are reduced inside their own window
-> a second subscription cancelled inside its window ->
a refusal that only the provider sees (stale window data) shows on the LCL and the subscription ->
month close: the invoice's reconciliation lines through continuation paging. It runs with the
simulator's answers camelCase, BOM-prefixed and PascalCase.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from seatline.common.choices import ProvisioningStatus
from seatline.connectors.base import SubscriptionStatus
from seatline.errors import SeatlineError
from seatline.jobs.models import Job
from seatline.jobs.worker import Worker
from seatline.providers import services as providers
from seatline.providers.models import Agreement, AgreementTemplate, ProviderAccount, ProviderCredential
from seatline.providers.tests.simulator import (
    BASIC,
    PRICE,
    START,
    Sim,
    basic_product,
    customer_account,
    monthly_contract,
    partner_center,
)
from seatline.subscriptions import services
from seatline.subscriptions.models import LicenseChangeLog, Subscription

pytestmark = pytest.mark.django_db


def run_jobs() -> int:
    return Worker(name="e2e").run_until_idle()


def provider_state(provider, mapping: ProviderAccount, subscription: Subscription):  # type: ignore[no-untyped-def]
    with providers.connected(provider) as connector:
        return connector.get_subscription(mapping.provider_customer_id, subscription.provider_subscription_id)


@pytest.mark.parametrize(
    "switches",
    [{}, {"bom": True}, {"pascal_case": True}],
    ids=["camel", "bom", "pascal"],
)
def test_partner_center_flow_end_to_end(sim: Sim, switches: dict[str, bool]) -> None:
    # the simulator answers camelCase, BOM-prefixed or PascalCase JSON: the flow is the same
    sim.control("config", switches)
    # App+User auth: the consent step gave a refresh token; Seatline keeps the rotated ones in the database
    provider = partner_center(sim.url, auth="refresh_token", line_page_size=2)
    tenant = provider.settings["tenant_id"]
    consent = sim.http.post(
        f"{sim.url}/{tenant}/oauth2/token",
        data={"grant_type": "client_credentials", "client_id": "seatline-tests", "client_secret": "x"},
    )
    first_token = consent.json()["refresh_token"]
    store = providers.DatabaseTokenStore(provider)
    store.save_refresh_token(f"partner_center:{tenant}", first_token)
    account, contact = customer_account()

    # onboarding: domain check, tenant, MCA
    assert providers.check_domain(provider, "fabrikam") is True
    mapping = providers.onboard_customer(
        account=account, provider=provider, domain="fabrikam", contact=contact
    )
    assert (mapping.account, mapping.domain) == (account, "fabrikam.onmicrosoft.com")
    assert mapping.initial_credentials is not None  # type: ignore[attr-defined]
    assert providers.check_domain(provider, "fabrikam.onmicrosoft.com") is False
    mca = AgreementTemplate.objects.get(name="Microsoft Customer Agreement")  # shipped by a migration
    assert (mca.template_id, mca.agreement_type) == (
        "117a77b0-9360-443b-8795-c6dedc750cf9",
        "MicrosoftCustomerAgreement",
    )
    mca.provider = provider
    mca.save()
    agreement = providers.accept_agreement(
        account=account,
        template=mca,
        signed_by_name="Ada Lee",
        signed_by_email="ada@fabrikam.example",
        executed_on=START.date(),
    )
    assert (agreement.status, agreement.executed_on) == (Agreement.Status.ACCEPTED, START.date())
    with providers.connected(provider) as connector:
        (confirmed,) = connector.list_customer_agreements(mapping.provider_customer_id)
    assert (confirmed.email, confirmed.template_id) == ("ada@fabrikam.example", mca.template_id)
    (credential,) = ProviderCredential.objects.filter(provider=provider)
    assert credential.refresh_token not in ("", first_token)  # rotated and saved at once

    # an annual NCE subscription, billed monthly
    contract = monthly_contract(account)
    product = basic_product(provider)
    main = services.create_subscription(
        contract=contract,
        name="Microsoft 365 Business Basic",
        quantity=10,
        price=PRICE,
        start_date=START.date(),
        product=product,
        term_months=12,
        provider=provider,
        provider_account=mapping,
    )
    (create,) = main.change_logs.all()
    assert create.provisioning_status == ProvisioningStatus.AWAITING
    assert Job.objects.filter(job_type="sync_license_change_log", object_id=str(create.pk)).count() == 1
    assert run_jobs() == 1
    main.refresh_from_db()
    create.refresh_from_db()
    assert create.provisioning_status == ProvisioningStatus.PROVISIONED
    assert main.provisioning_status == ProvisioningStatus.PROVISIONED
    assert main.provider_subscription_id and main.provider_offer_id == BASIC
    assert main.cancellation_allowed_until == dt.datetime(2026, 3, 9, 10, 0, tzinfo=dt.UTC)
    assert (main.commitment_end_date, main.refundable_quantity) == (dt.date(2027, 3, 1), 10)

    # reduce inside the window
    sim.advance(dt.timedelta(days=1))
    services.change_quantity(subscription=main, quantity=8)
    run_jobs()
    main.refresh_from_db()
    assert main.change_logs.order_by("-id")[0].provisioning_status == ProvisioningStatus.PROVISIONED
    assert (main.quantity, main.refundable_quantity) == (8, 8)
    assert provider_state(provider, mapping, main).quantity == 8

    # 8 days later: refused up front, nothing changed
    sim.advance(dt.timedelta(days=8))
    before = (LicenseChangeLog.objects.count(), Job.objects.count())
    with pytest.raises(SeatlineError) as refused:
        services.change_quantity(subscription=main, quantity=7)
    assert refused.value.code == "provider_window_passed"
    assert refused.value.message == (
        "the 7-day NCE window for reducing seats has passed (seats reducible until 2026-03-09 10:00 UTC)"
    )
    main.refresh_from_db()
    assert (main.quantity, LicenseChangeLog.objects.count(), Job.objects.count()) == (8, *before)

    # an increase is always accepted
    services.change_quantity(subscription=main, quantity=12)
    run_jobs()
    main.refresh_from_db()
    assert main.provisioning_status == ProvisioningStatus.PROVISIONED
    assert provider_state(provider, mapping, main).quantity == 12
    assert main.refundable_quantity == 4  # the new seats' own window
    assert main.refundable_lots == [{"quantity": 4, "allowed_until": "2026-03-18T10:00:00+00:00"}]

    # the added seats keep their own 7 days after the first window closed: reducible up front
    services.change_quantity(subscription=main, quantity=11)
    run_jobs()
    main.refresh_from_db()
    assert main.change_logs.order_by("-id")[0].provisioning_status == ProvisioningStatus.PROVISIONED
    assert (main.quantity, main.refundable_quantity) == (11, 3)
    assert provider_state(provider, mapping, main).quantity == 11
    services.change_quantity(subscription=main, quantity=12)
    run_jobs()

    # a second subscription, cancelled inside its window
    second = services.create_subscription(
        contract=contract,
        name="Microsoft 365 Business Basic (project)",
        quantity=3,
        price=PRICE,
        start_date=dt.date(2026, 3, 11),
        product=product,
        provider=provider,
        provider_account=mapping,
    )
    run_jobs()
    second.refresh_from_db()
    assert second.provisioning_status == ProvisioningStatus.PROVISIONED
    services.deactivate_subscription(subscription=second)
    run_jobs()
    second.refresh_from_db()
    assert (second.quantity, second.status, second.provisioning_status) == (0, "suspended", "provisioned")
    assert provider_state(provider, mapping, second).status == SubscriptionStatus.DELETED

    # the provider refuses what Seatline's (stale) data allowed: shown, never rolled back or retried
    Subscription.objects.filter(pk=main.pk).update(
        cancellation_allowed_until=dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
        refundable_quantity=100,
        refundable_lots=[{"quantity": 100, "allowed_until": "2027-01-01T00:00:00+00:00"}],
    )
    main.refresh_from_db()
    services.change_quantity(subscription=main, quantity=6)  # more than the 4 refundable seats
    assert run_jobs() == 1
    main.refresh_from_db()
    failed = main.change_logs.order_by("-id")[0]
    assert failed.provisioning_status == ProvisioningStatus.FAILED
    assert failed.provisioning_message.startswith(
        "[provider_window_passed] the 7-day NCE window for reducing seats has passed (provider: 900214: "
    )
    assert (main.provisioning_status, main.provisioning_message) == ("failed", failed.provisioning_message)
    assert main.quantity == 6  # Seatline keeps the change; staff decide
    assert provider_state(provider, mapping, main).quantity == 12
    assert run_jobs() == 0  # nothing retries

    # month close: the March invoice and its reconciliation lines, paged 2 by 2
    sim.control("config", {"page_size": 2})
    sim.set_now(dt.datetime(2026, 4, 9, 12, 0, tzinfo=dt.UTC))
    with providers.connected(provider) as connector:
        (march,) = [i for i in connector.list_invoices() if i.period_start == dt.date(2026, 3, 1)]
        lines = list(connector.iter_invoice_lines(march.id))
    assert [(line.charge_type, line.quantity) for line in lines] == [
        ("new", Decimal(10)),
        ("removeQuantity", Decimal(10)),
        ("removeQuantity", Decimal(8)),
        ("addQuantity", Decimal(8)),
        ("addQuantity", Decimal(12)),
        ("removeQuantity", Decimal(12)),
        ("removeQuantity", Decimal(11)),
        ("addQuantity", Decimal(11)),
        ("addQuantity", Decimal(12)),
        ("new", Decimal(3)),
        ("cancelImmediate", Decimal(3)),
    ]
    assert {line.subscription_id for line in lines} == {
        main.provider_subscription_id,
        second.provider_subscription_id,
    }
    assert sum((line.total for line in lines), Decimal(0)) == march.total_charges
