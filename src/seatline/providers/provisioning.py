# SPDX-License-Identifier: AGPL-3.0-or-later
"""Provisioning of subscription changes (reference 7.3, 1.4, 2.10, 7.5).

The subscription services reach this module through the hooks `ProvidersConfig.ready()` installs
(`subscriptions.hooks`), called from one place, `subscriptions.changes.new_change`,
inside their transaction:

* `before_change()` refuses up front (`credit_hold`) when the account is on credit hold and the
  provider provisions (automatic or manual); nothing has changed yet in that transaction's
  outcome, because the error rolls it back.
* `status_for()` gives the new LCL's provisioning status and `after_change()` creates the outbox
  job in the same transaction: automatic provider -> Awaiting + `sync_license_change_log`;
  manual -> Awaiting + `manual_provider_reminder_email` (the LCL waits for `mark_provisioned`);
  Do Nothing, Linked or no provider -> Not Applicable (no job).

`check_provider_window()` sits next to the QRB check: a reduction of an automatic-provider
subscription with synced NCE data is refused (`provider_window_passed`) when the provider would
refuse it: a deactivation once the cancellation window has passed, a seat decrease beyond the
seats whose own window (per lot: purchase, renewal, each increase) is still open.

Two context managers change what a change means:

* `recorded_as_provisioned()`: history loaded into Seatline (the demo) that the provider already
  has; LCLs are Provisioned at once, no job, no credit-hold or window check.
* `changes_from_provider()`: changes that come *from* the provider (subscription sync); LCLs are
  Not Applicable, no job, no check.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction

from seatline import clock
from seatline.audit.services import record
from seatline.common.choices import ProvisioningStatus
from seatline.configuration.selectors import configuration
from seatline.errors import SeatlineError
from seatline.jobs.services import enqueue
from seatline.providers.models import Provider
from seatline.subscriptions.models import LicenseChangeLog, Subscription

HISTORICAL = "historical"
FROM_PROVIDER = "from_provider"
_mode: ContextVar[str | None] = ContextVar("seatline_provisioning_mode", default=None)

PROVISIONING_TYPES = (Provider.Type.AUTOMATIC, Provider.Type.MANUAL)
NOT_PROVISIONED_KINDS = (LicenseChangeLog.Kind.PRICE,)


@contextmanager
def recorded_as_provisioned() -> Iterator[None]:
    """Changes made inside are already provisioned at the provider (history, demo data)."""
    token = _mode.set(HISTORICAL)
    try:
        yield
    finally:
        _mode.reset(token)


@contextmanager
def changes_from_provider() -> Iterator[None]:
    """Changes made inside come from the provider (subscription sync): Not Applicable, no job."""
    token = _mode.set(FROM_PROVIDER)
    try:
        yield
    finally:
        _mode.reset(token)


def _provider(subscription: Subscription) -> Provider | None:
    return subscription.provider if subscription.provider_id is not None else None


def provisions(provider: Provider | None) -> bool:
    return provider is not None and provider.type in PROVISIONING_TYPES


def check_credit_hold(subscription: Subscription) -> None:
    """`credit_hold` when the account is on credit hold and the provider would provision."""
    if _mode.get() is not None or not provisions(_provider(subscription)):
        return

    account = subscription.account
    held = account.credit_hold and configuration().credit_hold_enabled
    if held or account.dunning_hold:
        raise SeatlineError(
            "credit_hold",
            f"{account} is on credit hold: no subscription can be provisioned until the hold is lifted",
            field="subscription",
        )


def refundable_lots(subscription: Subscription) -> list[tuple[int, dt.datetime]]:
    """The provider's lots of reducible seats last synced: (quantity, deadline), oldest first."""
    lots = []
    for lot in subscription.refundable_lots or []:
        try:
            until = dt.datetime.fromisoformat(str(lot["allowed_until"]))
            quantity = int(lot["quantity"])
        except (KeyError, TypeError, ValueError):
            continue  # a lot Seatline cannot read gives no seat back (the check stays careful)
        if until.tzinfo is None:
            until = until.replace(tzinfo=dt.UTC)
        lots.append((quantity, until))
    return sorted(lots, key=lambda lot: lot[1])


def _utc(instant: dt.datetime) -> str:
    return f"{instant.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"


def check_provider_window(subscription: Subscription, *, reduction: int, cancel: bool = False) -> None:
    """`provider_window_passed` for a reduction the provider will refuse (synced NCE data).

    A cancellation (deactivation) needs now <= cancellation_allowed_until (the earliest of the
    provider's windows, see the connector). A seat decrease needs `reduction` seats whose own
    window is still open: each lot of seats (purchase, renewal, a later increase) has its own
    deadline, so seats added after the first window closed can still be reduced in theirs. Without
    synced lots, the subscription-level window and the refundable quantity decide.
    """
    provider = _provider(subscription)
    if _mode.get() is not None or provider is None or provider.type != Provider.Type.AUTOMATIC:
        return
    now = clock.now()
    until = subscription.cancellation_allowed_until
    lots = refundable_lots(subscription)
    if cancel:
        if until is not None and now > until:
            raise SeatlineError(
                "provider_window_passed",
                f"the 7-day NCE cancellation window has passed (cancellation allowed until {_utc(until)})",
                field="quantity",
            )
        return
    if lots:
        open_lots = [(quantity, deadline) for quantity, deadline in lots if now <= deadline]
        reducible = sum(quantity for quantity, _ in open_lots)
        if reduction <= reducible:
            return
        if not open_lots:
            raise SeatlineError(
                "provider_window_passed",
                f"the 7-day NCE window for reducing seats has passed (seats reducible until "
                f"{_utc(lots[-1][1])})",
                field="quantity",
            )
        windows = ", ".join(f"{quantity} until {_utc(deadline)}" for quantity, deadline in open_lots)
        raise SeatlineError(
            "provider_window_passed",
            f"the 7-day NCE window for reducing seats has passed for some seats: only {reducible} of "
            f"{subscription.quantity} can still be reduced ({windows})",
            field="quantity",
        )
    if until is None:
        return
    when = f"cancellation allowed until {_utc(until)}"
    if now > until:
        raise SeatlineError(
            "provider_window_passed",
            f"the 7-day NCE window for reducing seats has passed ({when})",
            field="quantity",
        )
    refundable = subscription.refundable_quantity
    if refundable is not None and reduction > refundable:
        raise SeatlineError(
            "provider_window_passed",
            f"the 7-day NCE window for reducing seats has passed for some seats: only {refundable} of "
            f"{subscription.quantity} can still be reduced ({when})",
            field="quantity",
        )


def before_change(subscription: Subscription, *, kind: str) -> None:
    if kind not in NOT_PROVISIONED_KINDS:
        check_credit_hold(subscription)


def status_for(subscription: Subscription, *, kind: str) -> str:
    """The provisioning status of a new LCL of `kind` on `subscription`."""
    mode = _mode.get()
    if kind in NOT_PROVISIONED_KINDS or not provisions(_provider(subscription)) or mode == FROM_PROVIDER:
        return ProvisioningStatus.NOT_APPLICABLE
    if mode == HISTORICAL:
        return ProvisioningStatus.PROVISIONED
    return ProvisioningStatus.AWAITING


def _run_at(change: LicenseChangeLog) -> dt.datetime:
    """When the provider should see the change: now, or the first instant of a later effective day.

    A deactivation's LCL is effective the day after the last billed day; the provider is told on
    that last day (the request is made now when that day has come).
    """
    day = change.effective_date
    if change.kind == LicenseChangeLog.Kind.DEACTIVATE:
        day -= dt.timedelta(days=1)
    return max(clock.now(), clock.start_of_day(day))


def after_change(subscription: Subscription, change: LicenseChangeLog) -> None:
    """Outbox job (same transaction) and the subscription's provisioning status for a new LCL."""
    status = change.provisioning_status
    if status == ProvisioningStatus.NOT_APPLICABLE and _mode.get() is None:
        return
    if status == ProvisioningStatus.PROVISIONED:
        _set_subscription_status(subscription, ProvisioningStatus.PROVISIONED, "")
        return
    if status != ProvisioningStatus.AWAITING:
        return
    provider = _provider(subscription)
    assert provider is not None
    enqueue_provisioning(change, provider)
    _set_subscription_status(subscription, ProvisioningStatus.AWAITING, "")


def enqueue_provisioning(change: LicenseChangeLog, provider: Provider) -> None:
    if provider.type == Provider.Type.AUTOMATIC:
        job = enqueue(
            "sync_license_change_log",
            parameters={"lcl_id": change.pk},
            related=change,
            dedupe_key=f"lcl:{change.pk}",
            scheduled_for=_run_at(change),
        )
        how = f"job {job.pk} pushes it to {provider}"
    else:
        job = enqueue(
            "manual_provider_reminder_email",
            parameters={"provider_id": provider.pk},
            related=provider,
            dedupe_key=f"manual-reminder:{provider.pk}",
        )
        how = (
            f"{provider.reminder_email or 'nobody'} is reminded (job {job.pk}); mark it provisioned when done"
        )
    record(change, "provisioning_requested", message=f"awaiting provisioning: {how}")


def _set_subscription_status(subscription: Subscription, status: str, message: str) -> None:
    Subscription.objects.filter(pk=subscription.pk).update(
        provisioning_status=status, provisioning_message=message
    )
    subscription.provisioning_status = status
    subscription.provisioning_message = message


def refresh_subscription_status(subscription: Subscription) -> None:
    """Provisioned unless an LCL still awaits or failed (the latest failure's message shown)."""
    open_changes = LicenseChangeLog.objects.filter(
        subscription=subscription,
        provisioning_status__in=(ProvisioningStatus.AWAITING, ProvisioningStatus.FAILED),
    ).order_by("-id")
    failed = next((c for c in open_changes if c.provisioning_status == ProvisioningStatus.FAILED), None)
    if failed is not None:
        _set_subscription_status(subscription, ProvisioningStatus.FAILED, failed.provisioning_message)
    elif open_changes:
        _set_subscription_status(subscription, ProvisioningStatus.AWAITING, "")
    else:
        _set_subscription_status(subscription, ProvisioningStatus.PROVISIONED, "")


def _locked_change(change: LicenseChangeLog) -> LicenseChangeLog:
    return LicenseChangeLog.objects.select_for_update().select_related("subscription").get(pk=change.pk)


def mark_provisioned(lcl: LicenseChangeLog, *, message: str = "") -> LicenseChangeLog:
    """A person made the change at the provider: the awaiting (or failed) LCL becomes Provisioned."""
    with transaction.atomic():
        locked = _locked_change(lcl)
        if locked.provisioning_status not in (ProvisioningStatus.AWAITING, ProvisioningStatus.FAILED):
            raise SeatlineError(
                "not_awaiting_provisioning",
                f"change log {locked.pk} is {locked.get_provisioning_status_display()}: nothing to mark",
                field="provisioning_status",
            )
        before = locked.provisioning_status
        locked.provisioning_status = ProvisioningStatus.PROVISIONED
        locked.provisioning_message = message or "marked provisioned"
        locked.save(update_fields=["provisioning_status", "provisioning_message", "updated_at"])
        record(
            locked,
            "marked_provisioned",
            changes={"provisioning_status": (before, ProvisioningStatus.PROVISIONED)},
            message=locked.provisioning_message,
        )
        refresh_subscription_status(locked.subscription)
    lcl.provisioning_status = locked.provisioning_status
    lcl.provisioning_message = locked.provisioning_message
    return lcl


def retry_provisioning(lcl: LicenseChangeLog) -> LicenseChangeLog:
    """A failed LCL is pushed again (automatic) or reminded again (manual): Awaiting + a new job."""
    with transaction.atomic():
        locked = _locked_change(lcl)
        provider = _provider(locked.subscription)
        if locked.provisioning_status != ProvisioningStatus.FAILED or not provisions(provider):
            raise SeatlineError(
                "not_failed_provisioning",
                f"change log {locked.pk} is {locked.get_provisioning_status_display()}: only failed "
                "provisioning can be retried",
                field="provisioning_status",
            )
        assert provider is not None
        locked.provisioning_status = ProvisioningStatus.AWAITING
        locked.provisioning_message = ""
        locked.save(update_fields=["provisioning_status", "provisioning_message", "updated_at"])
        enqueue_provisioning(locked, provider)
        refresh_subscription_status(locked.subscription)
    lcl.provisioning_status = locked.provisioning_status
    lcl.provisioning_message = ""
    return lcl
