# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from tests import billing_factories as factories
from tests.billing_factories import db_state

from seatline import clock
from seatline.audit.models import AuditEvent
from seatline.errors import SeatlineError
from seatline.subscriptions.models import LicenseChangeLog, ScheduledLicenseChangeLog
from seatline.subscriptions.services import index_prices, merge_due_scheduled_changes, schedule_change

D = dt.date


@pytest.mark.django_db
def test_schedule_change_refuses_today_and_bad_quantities(sub, today):
    before = db_state(sub)
    with pytest.raises(SeatlineError) as err:
        schedule_change(subscription=sub, effective=today, quantity=12)
    assert err.value.code == "invalid_date"
    with pytest.raises(SeatlineError) as err:
        schedule_change(subscription=sub, effective=D(2018, 3, 1), quantity=0)
    assert err.value.code == "invalid_quantity"
    with pytest.raises(SeatlineError) as err:
        schedule_change(subscription=sub, effective=D(2018, 3, 1))
    assert err.value.code == "invalid_quantity"
    assert db_state(sub) == before


@pytest.mark.django_db
def test_merge_applies_due_changes_once(sub, today):
    slcl = schedule_change(subscription=sub, effective=D(2018, 3, 1), quantity=12, source="portal")
    assert slcl.status == "pending"
    assert merge_due_scheduled_changes(run_date=D(2018, 2, 28)).merged == []
    report = merge_due_scheduled_changes(run_date=D(2018, 3, 1))
    assert [s.pk for s in report.merged] == [slcl.pk]
    slcl.refresh_from_db()
    lcl = slcl.merged_change
    assert (slcl.status, lcl.kind, lcl.delta, lcl.effective_date, lcl.scheduled_change_id) == (
        "archived",
        "increase",
        2,
        D(2018, 3, 1),
        slcl.pk,
    )
    assert AuditEvent.objects.filter(object_id=str(slcl.pk), action="scheduled_change_merged").count() == 1
    before = db_state(sub)
    again = merge_due_scheduled_changes(run_date=D(2018, 3, 2))
    assert (again.merged, again.failed) == ([], [])
    assert db_state(sub) == before


@pytest.mark.django_db
def test_merge_failure_is_recorded_and_changes_no_subscription(contract, today):
    sub = factories.subscription(contract, qrb="disallowed")
    ok = factories.subscription(contract, name="Other")
    bad = schedule_change(subscription=sub, effective=D(2018, 3, 1), quantity=5)
    good = schedule_change(subscription=ok, effective=D(2018, 3, 1), quantity=11)
    lcls = LicenseChangeLog.objects.count()
    report = merge_due_scheduled_changes(run_date=D(2018, 3, 5))
    assert [s.pk for s in report.failed] == [bad.pk]
    assert [s.pk for s in report.merged] == [good.pk]
    bad.refresh_from_db()
    assert (bad.status, bad.failure_code) == ("merge_failed", "qrb_violation")
    assert LicenseChangeLog.objects.count() == lcls + 1
    assert (
        AuditEvent.objects.filter(object_id=str(bad.pk), action="scheduled_change_merge_failed").count() == 1
    )
    sub.refresh_from_db()
    assert sub.quantity == 10


@pytest.mark.django_db
def test_index_prices_now_and_later(contract, today):
    first = factories.subscription(contract, price=Decimal("12.00"))
    second = factories.subscription(contract, name="Second", price=Decimal("9.99"))
    now = index_prices(contract=contract, percent=Decimal(5))
    assert [(c.kind, c.price, c.effective_date) for c in now] == [
        ("price", Decimal("12.60"), today),
        ("price", Decimal("10.49"), today),
    ]
    later = index_prices(contract=contract, percent=Decimal(10), apply_on=D(2018, 7, 1))
    assert [(type(c), c.new_price, c.source) for c in later] == [
        (ScheduledLicenseChangeLog, Decimal("13.86"), "indexation"),
        (ScheduledLicenseChangeLog, Decimal("11.54"), "indexation"),
    ]
    assert AuditEvent.objects.filter(object_id=str(contract.pk), action="prices_indexed").count() == 2
    before = db_state(contract)
    with pytest.raises(SeatlineError) as err:
        index_prices(contract=contract, percent=Decimal(-100))
    assert err.value.code == "invalid_percent"
    assert db_state(contract) == before
    with clock.frozen(D(2018, 7, 1)):
        report = merge_due_scheduled_changes(run_date=D(2018, 7, 1))
    assert len(report.merged) == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.price, second.price) == (Decimal("13.86"), Decimal("11.54"))
