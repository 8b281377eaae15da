# SPDX-License-Identifier: AGPL-3.0-or-later
"""LCL provisioning decided in the subscription services: statuses, outbox jobs, credit hold, NCE window."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction
from tests import billing_factories as factories

from seatline import clock
from seatline.audit.models import AuditEvent
from seatline.configuration.models import Configuration
from seatline.contracts.models import BillingContract
from seatline.errors import SeatlineError
from seatline.jobs.models import Job, JobStatus
from seatline.jobs.worker import Worker
from seatline.providers import push
from seatline.providers.models import Provider, ProviderAccount
from seatline.providers.provisioning import recorded_as_provisioned
from seatline.providers.services import mark_provisioned, retry_provisioning
from seatline.subscriptions import services
from seatline.subscriptions.models import LicenseChangeLog, Subscription

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 10)
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen() -> object:
    with clock.frozen(NOW):
        yield


@pytest.fixture
def contract() -> BillingContract:
    return factories.contract(start_date=dt.date(2026, 1, 1), frequency="monthly")


def make_provider(kind: str, **fields: object) -> Provider:
    values: dict[str, object] = {"name": f"{kind} provider", "type": kind}
    if kind == "automatic":
        values["connector"] = "partner_center"
    values.update(fields)
    return Provider.objects.create(**values)


def create(contract: BillingContract, provider: Provider | None, **fields: object) -> Subscription:
    values: dict[str, object] = {
        "contract": contract,
        "name": "Microsoft 365 E3",
        "quantity": 10,
        "price": Decimal("36.00"),
        "start_date": TODAY,
        "provider": provider,
    }
    values.update(fields)
    return services.create_subscription(**values)  # type: ignore[arg-type]


def jobs(job_type: str) -> list[Job]:
    return list(Job.objects.filter(job_type=job_type).order_by("id"))


@pytest.mark.parametrize("kind", [None, "do_nothing", "linked"])
def test_no_provider_or_do_nothing_is_not_applicable_without_jobs(
    contract: BillingContract, kind: str | None
) -> None:
    provider = make_provider(kind) if kind else None
    subscription = create(contract, provider)
    services.change_quantity(subscription=subscription, quantity=12)
    services.deactivate_subscription(subscription=subscription)
    assert set(subscription.change_logs.values_list("provisioning_status", flat=True)) == {"not_applicable"}
    subscription.refresh_from_db()
    assert subscription.provisioning_status == "not_applicable"
    assert Job.objects.count() == 0


def test_automatic_provider_awaits_and_enqueues_sync_in_the_same_transaction(
    contract: BillingContract,
) -> None:
    provider = make_provider("automatic")
    subscription = create(contract, provider)
    (change,) = subscription.change_logs.all()
    assert change.provisioning_status == "awaiting"
    (job,) = jobs("sync_license_change_log")
    assert (job.parameters, job.related, job.status, job.scheduled_for) == (
        {"lcl_id": change.pk},
        change,
        JobStatus.WAITING,
        NOW,
    )
    subscription.refresh_from_db()
    assert subscription.provisioning_status == "awaiting"
    assert AuditEvent.objects.filter(action="provisioning_requested", object_id=str(change.pk)).count() == 1

    # the outbox: a change that rolls back leaves no job behind
    with pytest.raises(RuntimeError), transaction.atomic():
        services.change_quantity(subscription=subscription, quantity=15)
        raise RuntimeError("the caller's transaction fails")
    assert len(jobs("sync_license_change_log")) == 1
    assert subscription.change_logs.count() == 1


def test_future_change_is_pushed_on_its_day_and_deactivation_on_the_last_billed_day(
    contract: BillingContract,
) -> None:
    provider = make_provider("automatic")
    subscription = create(contract, provider)
    services.change_quantity(subscription=subscription, quantity=14, effective=dt.date(2026, 3, 20))
    services.deactivate_subscription(subscription=subscription)
    _create, increase, deactivate = jobs("sync_license_change_log")
    assert increase.scheduled_for == dt.datetime(2026, 3, 20, tzinfo=dt.UTC)
    assert deactivate.scheduled_for == NOW


def test_price_change_is_not_provisioned(contract: BillingContract) -> None:
    subscription = create(contract, make_provider("automatic"))
    change = services.change_price(subscription=subscription, price=Decimal("40.00"))
    assert change.provisioning_status == "not_applicable"
    assert len(jobs("sync_license_change_log")) == 1


def test_manual_provider_reminds_by_email_and_waits_for_mark_provisioned(contract: BillingContract) -> None:
    provider = make_provider("manual", reminder_email="ops@partner.example")
    subscription = create(contract, provider, name="Adobe Acrobat Pro")
    services.change_quantity(subscription=subscription, quantity=12)
    assert len(jobs("manual_provider_reminder_email")) == 1  # one reminder for both changes
    assert Worker(name="test").run_until_idle() == 2  # the reminder, then its e-mail (send_email)
    (message,) = mail.outbox
    assert message.to == ["ops@partner.example"]
    assert message.subject == "Seatline: 2 license change(s) awaiting provisioning at manual provider"
    first, second = subscription.change_logs.order_by("id")
    assert (
        f"- #{first.pk} Wingtip Toys / Adobe Acrobat Pro: Create +10 -> quantity 10, effective 2026-03-10"
        in message.body
    )
    assert f"- #{second.pk} Wingtip Toys / Adobe Acrobat Pro: Increase +2 -> quantity 12" in message.body
    assert {first.provisioning_status, second.provisioning_status} == {"awaiting"}

    mark_provisioned(first, message="vendor order 42")
    subscription.refresh_from_db()
    assert subscription.provisioning_status == "awaiting"  # the second change still waits
    mark_provisioned(second)
    subscription.refresh_from_db()
    first.refresh_from_db()
    assert (first.provisioning_status, first.provisioning_message) == ("provisioned", "vendor order 42")
    assert subscription.provisioning_status == "provisioned"
    with pytest.raises(SeatlineError) as again:
        mark_provisioned(first)
    assert again.value.code == "not_awaiting_provisioning"
    assert AuditEvent.objects.filter(action="marked_provisioned").count() == 2


def test_manual_reminder_without_address_fails_the_job(contract: BillingContract) -> None:
    create(contract, make_provider("manual"))
    Worker(name="test").run_until_idle()
    (job,) = jobs("manual_provider_reminder_email")
    assert (job.status, job.error) == (JobStatus.FAILED, "manual provider has no reminder e-mail address")
    assert mail.outbox == []


def test_credit_hold_blocks_provisioning_up_front(contract: BillingContract) -> None:
    automatic = make_provider("automatic")
    manual = make_provider("manual", reminder_email="ops@partner.example")
    nothing = make_provider("do_nothing")
    existing = create(contract, automatic)
    config = Configuration.get()
    config.credit_hold_enabled = True
    config.save()
    account = contract.account
    account.credit_hold = True
    account.save()
    before = (Subscription.objects.count(), LicenseChangeLog.objects.count(), Job.objects.count())
    for provider in (automatic, manual):
        with pytest.raises(SeatlineError) as held:
            create(contract, provider)
        assert held.value.code == "credit_hold"
    for action in (
        lambda: services.change_quantity(subscription=existing, quantity=11),
        lambda: services.deactivate_subscription(subscription=existing),
    ):
        with pytest.raises(SeatlineError) as held:
            action()
        assert held.value.code == "credit_hold"
    assert (Subscription.objects.count(), LicenseChangeLog.objects.count(), Job.objects.count()) == before
    create(contract, nothing)  # Do Nothing and no provider are not provisioned: allowed
    create(contract, None)
    config.credit_hold_enabled = False
    config.save()
    create(contract, automatic)  # the global switch is off


def with_window(subscription: Subscription, *, until: dt.datetime, refundable: int) -> Subscription:
    Subscription.objects.filter(pk=subscription.pk).update(
        cancellation_allowed_until=until, refundable_quantity=refundable, provider_subscription_id="sub-1"
    )
    subscription.refresh_from_db()
    return subscription


def test_nce_window_refuses_reductions_up_front(contract: BillingContract) -> None:
    subscription = with_window(
        create(contract, make_provider("automatic")), until=NOW - dt.timedelta(hours=1), refundable=10
    )
    before = (subscription.change_logs.count(), Job.objects.count())
    with pytest.raises(SeatlineError) as late:
        services.change_quantity(subscription=subscription, quantity=9)
    assert (late.value.code, late.value.message) == (
        "provider_window_passed",
        "the 7-day NCE window for reducing seats has passed (cancellation allowed until 2026-03-10 11:00 UTC)",
    )
    with pytest.raises(SeatlineError) as cancel:
        services.deactivate_subscription(subscription=subscription)
    assert cancel.value.code == "provider_window_passed"
    assert (subscription.change_logs.count(), Job.objects.count()) == before
    services.change_quantity(subscription=subscription, quantity=11)  # increases are fine

    inside = with_window(subscription, until=NOW + dt.timedelta(days=2), refundable=3)
    with pytest.raises(SeatlineError) as too_many:
        services.change_quantity(subscription=inside, quantity=7)
    assert too_many.value.message == (
        "the 7-day NCE window for reducing seats has passed for some seats: only 3 of 11 can still be "
        "reduced (cancellation allowed until 2026-03-12 12:00 UTC)"
    )
    services.change_quantity(subscription=inside, quantity=8)
    services.deactivate_subscription(subscription=inside)  # a cancellation inside the window


def test_seats_added_later_are_reducible_in_their_own_window(contract: BillingContract) -> None:
    """The subscription's first window has closed, but 2 seats added 3 days ago still have theirs."""
    subscription = with_window(
        create(contract, make_provider("automatic")), until=NOW - dt.timedelta(days=5), refundable=2
    )
    Subscription.objects.filter(pk=subscription.pk).update(
        refundable_lots=[
            {"quantity": 10, "allowed_until": (NOW - dt.timedelta(days=5)).isoformat()},
            {"quantity": 2, "allowed_until": (NOW + dt.timedelta(days=4)).isoformat()},
            {"quantity": "?", "allowed_until": "not a date"},  # unreadable: gives no seat back
        ]
    )
    subscription.refresh_from_db()
    with pytest.raises(SeatlineError) as too_many:
        services.change_quantity(subscription=subscription, quantity=7)
    assert (too_many.value.code, too_many.value.message) == (
        "provider_window_passed",
        "the 7-day NCE window for reducing seats has passed for some seats: only 2 of 10 can still be "
        "reduced (2 until 2026-03-14 12:00 UTC)",
    )
    services.change_quantity(subscription=subscription, quantity=8)  # the added seats' own window

    with clock.frozen(NOW + dt.timedelta(days=5)), pytest.raises(SeatlineError) as late:
        services.change_quantity(subscription=subscription, quantity=7)
    assert late.value.message == (
        "the 7-day NCE window for reducing seats has passed (seats reducible until 2026-03-14 12:00 UTC)"
    )
    with pytest.raises(SeatlineError) as cancel:
        services.deactivate_subscription(subscription=subscription)
    assert (cancel.value.code, cancel.value.message) == (
        "provider_window_passed",
        "the 7-day NCE cancellation window has passed (cancellation allowed until 2026-03-05 12:00 UTC)",
    )


def test_no_window_check_without_synced_data_or_for_other_providers(contract: BillingContract) -> None:
    unsynced = create(contract, make_provider("automatic"))
    services.change_quantity(subscription=unsynced, quantity=5)
    manual = with_window(
        create(contract, make_provider("manual", reminder_email="a@b.example")),
        until=NOW - dt.timedelta(days=30),
        refundable=0,
    )
    services.change_quantity(subscription=manual, quantity=5)


def test_history_recorded_as_provisioned_enqueues_nothing(contract: BillingContract) -> None:
    with recorded_as_provisioned():
        subscription = create(contract, make_provider("automatic"))
        services.change_quantity(subscription=subscription, quantity=3)
    assert set(subscription.change_logs.values_list("provisioning_status", flat=True)) == {"provisioned"}
    subscription.refresh_from_db()
    assert subscription.provisioning_status == "provisioned"
    assert Job.objects.count() == 0


def test_push_records_failures_and_retry_sends_again(contract: BillingContract) -> None:
    provider = make_provider("automatic", settings={"auth": "static", "base_url": "http://127.0.0.1:9"})
    subscription = create(contract, provider)  # no provider account mapped
    assert Worker(name="test").run_until_idle() == 1
    (change,) = subscription.change_logs.all()
    change.refresh_from_db()
    subscription.refresh_from_db()
    assert change.provisioning_status == "failed"
    assert change.provisioning_message == (
        "[provider_account_missing] Microsoft 365 E3 is not linked to a customer at automatic provider: "
        "map its provider account"
    )
    assert (subscription.provisioning_status, subscription.provisioning_message) == (
        "failed",
        change.provisioning_message,
    )
    (job,) = jobs("sync_license_change_log")
    assert (job.status, job.results["provisioning_status"]) == (JobStatus.SUCCEEDED, "failed")

    retry_provisioning(change)
    assert change.provisioning_status == "awaiting"
    assert len(jobs("sync_license_change_log")) == 2
    with pytest.raises(SeatlineError) as not_failed:
        retry_provisioning(change)
    assert not_failed.value.code == "not_failed_provisioning"

    # a provider that cannot be reached: retried, and recorded as failed on the last attempt
    mapping = ProviderAccount.objects.create(provider=provider, provider_customer_id="c-1")
    Subscription.objects.filter(pk=subscription.pk).update(
        provider_account=mapping, provider_subscription_id="s-1"
    )
    Provider.objects.filter(pk=provider.pk).update(settings={**provider.settings, "max_attempts": 1})
    Worker(name="test").run_until_idle()
    change.refresh_from_db()
    assert change.provisioning_status == "awaiting"
    assert jobs("sync_license_change_log")[-1].status == JobStatus.RETRY
    with transaction.atomic():
        result = push.push_change(change.pk, last_attempt=True)
    change.refresh_from_db()
    assert (result["code"], change.provisioning_status) == ("provider_unavailable", "failed")
