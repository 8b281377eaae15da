# SPDX-License-Identifier: AGPL-3.0-or-later
"""Property: whatever sequence of changes users make (accepted or refused), the LCL deltas of a
subscription always sum to its quantity, and a re-run of the day's jobs bills nothing twice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seatline import clock
from seatline.errors import SeatlineError
from seatline.invoicing.daily import run_nightly
from seatline.invoicing.models import InvoiceLine
from seatline.subscriptions import services
from seatline.subscriptions.models import LicenseChangeLog, Subscription
from tests.factories import make_account, make_contract

START = dt.date(2024, 1, 1)

actions = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=20),  # day offset
        st.sampled_from(["quantity", "deactivate", "activate", "schedule"]),
        st.integers(min_value=-2, max_value=30),  # quantity (some invalid)
        st.booleans(),  # refund choice
    ),
    max_size=8,
)


def assert_deltas_match(subscription: Subscription) -> None:
    subscription.refresh_from_db()
    total = LicenseChangeLog.objects.filter(subscription=subscription).aggregate(total=Sum("delta"))["total"]
    assert total == subscription.quantity


@pytest.mark.django_db
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=actions, qrb=st.sampled_from(["allowed", "disallowed", "window"]))
def test_lcl_deltas_always_sum_to_the_quantity(steps, qrb) -> None:
    contract = make_contract(
        account=make_account(), frequency="quarterly", start_date=START, process_refunds="yes"
    )
    with clock.frozen(START):
        subscription = services.create_subscription(
            contract=contract,
            name="E3",
            quantity=10,
            price=Decimal("20.00"),
            start_date=START,
            qrb=qrb,
            qrw_days=5 if qrb == "window" else None,
        )
    for offset, action, quantity, refund in sorted(steps, key=lambda step: step[0]):
        day = START + dt.timedelta(days=offset)
        with clock.frozen(day):
            try:
                if action == "quantity":
                    services.change_quantity(subscription=subscription, quantity=quantity)
                elif action == "deactivate":
                    services.deactivate_subscription(subscription=subscription, refund=refund)
                elif action == "activate":
                    services.activate_subscription(subscription=subscription)
                else:
                    services.schedule_change(
                        subscription=subscription, effective=day + dt.timedelta(days=2), quantity=quantity
                    )
            except SeatlineError:
                pass  # refused: nothing changed, which the invariant below also checks
            assert_deltas_match(subscription)
            run_nightly(run_date=day)
            assert_deltas_match(subscription)
            lines = InvoiceLine.objects.filter(subscription=subscription).count()
            run_nightly(run_date=day)  # a re-run of the same day bills nothing more
            assert InvoiceLine.objects.filter(subscription=subscription).count() == lines
