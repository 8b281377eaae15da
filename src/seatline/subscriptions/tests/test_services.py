# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from tests import billing_factories as factories
from tests.billing_factories import db_state

from seatline.audit.models import AuditEvent
from seatline.configuration.models import Configuration
from seatline.errors import SeatlineError
from seatline.subscriptions.models import LicenseChangeLog, Subscription, UsageRecord
from seatline.subscriptions.services import (
    activate_subscription,
    add_nri,
    change_price,
    change_quantity,
    create_subscription,
    deactivate_subscription,
    record_usage,
)

D = dt.date


def actions(obj) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_id=str(obj.pk), action__contains="_")
        .order_by("id")
        .values_list("action", flat=True)
    )


@pytest.mark.django_db
def test_create_subscription_writes_its_create_change_log_and_an_audit_record(sub):
    (lcl,) = LicenseChangeLog.objects.filter(subscription=sub)
    assert (lcl.kind, lcl.effective_date, lcl.delta, lcl.quantity_after, lcl.price) == (
        "create",
        D(2018, 1, 15),
        10,
        10,
        Decimal("12.0000"),
    )
    assert sub.account_id == sub.contract.account_id
    assert actions(sub) == ["subscription_created"]


@pytest.mark.django_db
def test_usage_subscription_has_quantity_one(contract, today):
    usage = factories.subscription(contract, name="Azure plan", kind="usage", quantity=40, price=Decimal(0))
    assert usage.quantity == 1
    assert LicenseChangeLog.objects.get(subscription=usage).delta == 1


@pytest.mark.django_db
def test_change_quantity_increase_and_decrease(sub, today):
    up = change_quantity(subscription=sub, quantity=15)
    assert (up.kind, up.effective_date, up.delta, up.quantity_after) == ("increase", today, 5, 15)
    down = change_quantity(subscription=sub, quantity=12, effective=D(2018, 2, 20))
    assert (down.kind, down.delta, down.refund, down.status, down.note) == (
        "decrease",
        -3,
        False,
        "archived",
        "no credit applied",
    )
    sub.refresh_from_db()
    assert sub.quantity == 12
    assert sum(LicenseChangeLog.objects.filter(subscription=sub).values_list("delta", flat=True)) == 12
    assert actions(sub) == ["subscription_created", "quantity_changed", "quantity_changed"]


@pytest.mark.django_db
def test_decrease_is_credited_when_the_contract_processes_refunds(contract, today):
    contract.process_refunds = "yes"
    contract.save()
    sub = factories.subscription(contract)
    down = change_quantity(subscription=sub, quantity=4)
    assert (down.refund, down.status) == (True, "active")


@pytest.mark.django_db
def test_same_quantity_is_a_no_op(sub, today):
    before = db_state(sub)
    assert change_quantity(subscription=sub, quantity=10) is None
    assert db_state(sub) == before


@pytest.mark.django_db
@pytest.mark.parametrize("quantity", [0, -1, Decimal("2.5"), "abc", True])
def test_invalid_quantity_changes_nothing(sub, today, quantity):
    before = db_state(sub)
    with pytest.raises(SeatlineError) as err:
        change_quantity(subscription=sub, quantity=quantity)
    assert err.value.code == "invalid_quantity"
    assert db_state(sub) == before


@pytest.mark.django_db
def test_create_with_invalid_quantity_changes_nothing(contract, today):
    before = db_state()
    with pytest.raises(SeatlineError) as err:
        factories.subscription(contract, quantity=0)
    assert err.value.code == "invalid_quantity"
    assert db_state() == before


@pytest.mark.django_db
def test_decrease_refused_by_disallowed_qrb_changes_nothing(contract, today):
    sub = factories.subscription(contract, qrb="disallowed")
    before = db_state(sub)
    with pytest.raises(SeatlineError) as err:
        change_quantity(subscription=sub, quantity=5)
    assert err.value.code == "qrb_violation"
    with pytest.raises(SeatlineError) as err:
        deactivate_subscription(subscription=sub)
    assert err.value.code == "qrb_violation"
    assert db_state(sub) == before
    assert change_quantity(subscription=sub, quantity=11).delta == 1  # increases stay allowed


@pytest.mark.django_db
def test_qrb_window_accepts_reductions_only_inside_the_window(contract, today):
    sub = factories.subscription(contract, qrb="window", qrw_days=7, start_date=D(2018, 2, 5))
    assert change_quantity(subscription=sub, quantity=9, effective=D(2018, 2, 11)).delta == -1
    before = db_state(sub)
    with pytest.raises(SeatlineError) as err:
        change_quantity(subscription=sub, quantity=8, effective=D(2018, 2, 12))
    assert err.value.code == "qrb_violation"
    assert db_state(sub) == before


@pytest.mark.django_db
def test_deactivate_then_activate(sub, today):
    off = deactivate_subscription(subscription=sub)
    assert (off.kind, off.effective_date, off.delta, off.quantity_after) == (
        "deactivate",
        D(2018, 2, 11),
        -10,
        0,
    )
    assert (off.refund, off.status, off.note) == (False, "archived", "no credit applied")
    assert (sub.quantity, sub.status) == (0, "suspended")
    on = activate_subscription(subscription=sub, on=D(2018, 3, 1))
    assert (on.kind, on.effective_date, on.delta, on.quantity_after) == ("activate", D(2018, 3, 1), 10, 10)
    sub.refresh_from_db()
    assert (sub.quantity, sub.status) == (10, "active")
    assert actions(sub)[-2:] == ["subscription_deactivated", "subscription_activated"]


@pytest.mark.django_db
def test_deactivation_refund_needs_the_users_choice_and_the_contract_setting(contract, today):
    Configuration.objects.update_or_create(pk=1, defaults={"generate_refunds": True})
    first = factories.subscription(contract)
    second = factories.subscription(contract, name="Second")
    assert deactivate_subscription(subscription=first, refund=True).refund is True
    assert deactivate_subscription(subscription=second, refund=False).refund is False


@pytest.mark.django_db
def test_suspended_subscription_refuses_changes_and_active_one_refuses_activation(sub, today):
    before = db_state(sub)
    with pytest.raises(SeatlineError) as err:
        activate_subscription(subscription=sub)
    assert err.value.code == "subscription_active"
    assert db_state(sub) == before
    deactivate_subscription(subscription=sub)
    before = db_state(sub)
    for call in (
        lambda: change_quantity(subscription=sub, quantity=3),
        lambda: deactivate_subscription(subscription=sub),
    ):
        with pytest.raises(SeatlineError) as err:
            call()
        assert err.value.code == "subscription_inactive"
    assert db_state(sub) == before


@pytest.mark.django_db
def test_unknown_subscription_is_an_unknown_reference(db, today):
    before = db_state()
    with pytest.raises(SeatlineError) as err:
        change_quantity(subscription=Subscription(pk=999_999), quantity=3)
    assert err.value.code == "unknown_reference"
    assert db_state() == before


@pytest.mark.django_db
def test_change_price_writes_a_price_change_log(sub, today):
    lcl = change_price(subscription=sub, price="13.50")
    assert (lcl.kind, lcl.delta, lcl.price, lcl.quantity_after, lcl.effective_date) == (
        "price",
        0,
        Decimal("13.50"),
        10,
        today,
    )
    assert actions(sub)[-1] == "price_changed"
    before = db_state(sub)
    with pytest.raises(SeatlineError) as err:
        change_price(subscription=sub, price="-1")
    assert err.value.code == "invalid_price"
    assert db_state(sub) == before


@pytest.mark.django_db
def test_add_nri(contract, today):
    nri = add_nri(contract=contract, description="Setup", quantity=1, unit_price="150.00")
    assert (nri.date, nri.status, nri.account_id, nri.unit_price) == (
        today,
        "unbilled",
        contract.account_id,
        150,
    )
    assert actions(nri) == ["nri_added"]
    before = db_state()
    with pytest.raises(SeatlineError) as err:
        add_nri(contract=contract, description="Setup", quantity=0, unit_price="150.00")
    assert err.value.code == "invalid_quantity"
    assert db_state() == before


@pytest.mark.django_db
def test_record_usage_takes_the_markup_in_force_and_alerts_on_thresholds(contract, today):
    Configuration.objects.update_or_create(pk=1, defaults={"default_markup_percent": Decimal("10")})
    azure = factories.subscription(contract, name="Azure plan", kind="usage", price=Decimal(0))
    Subscription.objects.filter(pk=azure.pk).update(consumption_threshold=Decimal("100"))
    first = record_usage(
        subscription=azure, cost="50.00", period_start=D(2018, 1, 1), period_end=D(2018, 1, 31)
    )
    assert first.markup_percent == Decimal("10")
    record_usage(subscription=azure, cost="30.00", period_start=D(2018, 2, 1), period_end=D(2018, 2, 28))
    assert actions(azure).count("usage_threshold_reached") == 1  # 88 >= 80
    record_usage(
        subscription=azure,
        cost="20.00",
        markup_percent=Decimal("0"),
        period_start=D(2018, 2, 1),
        period_end=D(2018, 2, 28),
    )
    assert actions(azure).count("usage_threshold_reached") == 2  # 108 >= 100
    before = db_state()
    with pytest.raises(SeatlineError) as err:
        record_usage(subscription=azure, cost="1", period_start=D(2018, 2, 2), period_end=D(2018, 2, 1))
    assert err.value.code == "invalid_date"
    assert db_state() == before
    assert UsageRecord.objects.filter(subscription=azure).count() == 3


@pytest.mark.django_db
def test_create_subscription_takes_qrb_defaults_from_its_product(contract, today):
    from seatline.catalog.models import Product

    product = Product.objects.create(
        name="M365 E3 NCE", default_qrb="window", default_qrw_days=7, default_term_months=1
    )
    sub = create_subscription(
        contract=contract, name="E3", quantity=3, price=Decimal("36"), start_date=today, product=product
    )
    assert (sub.qrb, sub.qrw_days, sub.term_months) == ("window", 7, 1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"kind": "bundle"}, "invalid_kind"),
        ({"sales_unit": "weekly"}, "invalid_sales_unit"),
        ({"qrb": "sometimes"}, "invalid_qrb"),
        ({"qrb": "window"}, "invalid_qrb"),
        ({"term_months": 0}, "invalid_term"),
        ({"price": Decimal("-1")}, "invalid_price"),
        ({"price": Decimal("1.00001")}, "invalid_price"),
        ({"quantity": Decimal("1.5")}, "invalid_quantity"),
    ],
)
def test_create_subscription_refusals_change_nothing(contract, today, fields, code):
    before = db_state(contract)
    with pytest.raises(SeatlineError) as err:
        factories.subscription(contract, **fields)
    assert err.value.code == code
    assert db_state(contract) == before


@pytest.mark.django_db
def test_add_nri_refusals_change_nothing(contract, today):
    before = db_state(contract)
    for fields, code in (
        ({"discount_percent": Decimal("101")}, "invalid_discount"),
        ({"unit_price": "-3"}, "invalid_price"),
        ({"quantity": "x"}, "invalid_quantity"),
    ):
        arguments = {"description": "Setup", "quantity": 1, "unit_price": "10", **fields}
        with pytest.raises(SeatlineError) as err:
            add_nri(contract=contract, **arguments)
        assert err.value.code == code
    assert db_state(contract) == before


@pytest.mark.django_db
def test_an_explicit_zero_markup_is_no_markup_not_the_default(contract, today):
    Configuration.objects.update_or_create(pk=1, defaults={"default_markup_percent": Decimal("10")})
    own_zero = factories.subscription(contract, name="Azure at cost", kind="usage", markup_percent=Decimal(0))
    no_markup_of_its_own = factories.subscription(contract, name="Azure plan", kind="usage")
    own = factories.subscription(contract, name="Azure plus", kind="usage", markup_percent=Decimal("25"))
    assert (own_zero.markup_percent, no_markup_of_its_own.markup_percent) == (Decimal(0), None)
    period = {"period_start": D(2018, 1, 1), "period_end": D(2018, 1, 31)}
    assert record_usage(subscription=own_zero, cost="50.00", **period).markup_percent == Decimal(0)
    assert record_usage(subscription=no_markup_of_its_own, cost="50.00", **period).markup_percent == Decimal(
        10
    )
    assert record_usage(subscription=own, cost="50.00", **period).markup_percent == Decimal(25)
    with pytest.raises(SeatlineError) as err:
        factories.subscription(contract, name="Bad", kind="usage", markup_percent=0.5)
    assert (err.value.code, err.value.field) == ("invalid_markup", "markup_percent")
