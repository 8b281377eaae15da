# SPDX-License-Identifier: AGPL-3.0-or-later
"""Property (docs/billing.md 6): what a history of changes costs never depends on when change-log
invoices are generated. The same random history is applied, through the services, to four
identical contracts whose change-log invoices are off, weekly, monthly, or off but forced on
random days; day by day the services run like the nightly job (merges, regular invoices,
change-log invoices). At the end every contract has billed the same multiset of subscription
lines (on documents or still pending) and the same total."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seatline import clock
from seatline.configuration.models import Configuration
from seatline.contracts.models import BillingContract
from seatline.errors import SeatlineError
from seatline.invoicing.models import ChangeLine, InvoiceLine
from seatline.invoicing.services import (
    change_log_contract_ids,
    due_contract_ids,
    generate_change_log_invoice,
    run_change_log_for_contract,
    run_contract,
)
from seatline.subscriptions import services
from seatline.subscriptions.models import Subscription
from tests.factories import make_account

START = dt.date(2024, 1, 1)
FIRST_DAY = dt.date(2023, 12, 20)  # before the first generation date of any offset drawn
LAST_DAY = dt.date(2024, 4, 15)
VARIANTS = ("off", "weekly", "monthly", "forced")
SUBSCRIPTION_TYPES = ("recurring", "proration", "credit")

steps = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=95),  # day after the contract start
        st.sampled_from(["quantity"] * 5 + ["deactivate", "activate", "price", "schedule"]),
        st.integers(min_value=1, max_value=30),  # new quantity
        st.booleans(),  # refund chosen (deactivation)
        st.integers(min_value=0, max_value=12),  # days a quantity change is backdated
    ),
    min_size=3,
    max_size=8,
)


def _apply(subscription: Subscription, day: dt.date, step: tuple[int, str, int, bool, int]) -> str:
    """One user action on `day` (inside clock.frozen(day)); the refusal code, or "" when accepted."""
    _, action, quantity, refund, backdate = step
    subscription = Subscription.objects.get(pk=subscription.pk)
    try:
        if action == "quantity":
            effective = max(day - dt.timedelta(days=backdate), subscription.start_date)
            services.change_quantity(subscription=subscription, quantity=quantity, effective=effective)
        elif action == "deactivate":
            services.deactivate_subscription(subscription=subscription, refund=refund)
        elif action == "activate":
            services.activate_subscription(subscription=subscription)
        elif action == "price":
            services.change_price(subscription=subscription, price=subscription.price + Decimal("1.50"))
        else:
            services.schedule_change(
                subscription=subscription, effective=day + dt.timedelta(days=3), quantity=quantity
            )
    except SeatlineError as exc:
        return exc.code
    return ""


def _billed(contract: BillingContract) -> tuple[Counter[tuple[object, ...]], Decimal]:
    """The multiset of subscription lines the contract billed (documents that are not void, and
    pending change lines) and their total net."""
    lines: Counter[tuple[object, ...]] = Counter()
    total = Decimal(0)
    for type_, start, end, quantity, unit_price, amount, net in InvoiceLine.objects.filter(
        invoice__contract=contract, type__in=SUBSCRIPTION_TYPES
    ).values_list("type", "period_start", "period_end", "quantity", "unit_price", "amount", "net"):
        lines[(type_, start, end, int(quantity), unit_price, amount)] += 1
        total += net
    for line in ChangeLine.objects.filter(contract=contract, invoice_line__isnull=True):
        lines[
            (line.type, line.period_start, line.period_end, line.quantity, line.unit_price, line.amount)
        ] += 1
        total += line.net
    return lines, total


@pytest.mark.django_db
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    frequency=st.sampled_from(["quarterly", "annual"]),
    policy=st.sampled_from(["advance", "advance", "advance", "arrears"]),
    prorate_unit=st.sampled_from(["days", "days", "months"]),
    refunds=st.sampled_from(["yes", "no"]),
    offset=st.integers(min_value=-10, max_value=3),
    sales_unit=st.sampled_from(["monthly", "annual"]),
    history=steps,
    forced=st.sets(st.integers(min_value=0, max_value=(LAST_DAY - FIRST_DAY).days), max_size=20),
)
def test_what_a_history_costs_does_not_depend_on_the_change_log_days(
    frequency: str,
    policy: str,
    prorate_unit: str,
    refunds: str,
    offset: int,
    sales_unit: str,
    history: list[tuple[int, str, int, bool, int]],
    forced: set[int],
) -> None:
    Configuration.objects.update_or_create(pk=1, defaults={"generate_refunds": True})
    account = make_account()
    contracts: dict[str, BillingContract] = {}
    subscriptions: dict[str, Subscription] = {}
    for variant in VARIANTS:
        contracts[variant] = BillingContract.objects.create(
            name=variant,
            account=account,
            type="recurring",
            frequency=frequency,
            policy=policy,
            prorate_unit=prorate_unit,
            start_date=START,
            process_refunds=refunds,
            invoice_offset_days=offset,
            change_log_invoices="off" if variant == "forced" else variant,
            currency="USD",
        )
        with clock.frozen(FIRST_DAY):
            subscriptions[variant] = services.create_subscription(
                contract=contracts[variant],
                name="Seats",
                quantity=10,
                price=Decimal("12.00") if sales_unit == "monthly" else Decimal("120.00"),
                sales_unit=sales_unit,
                start_date=START,
            )
    by_day: dict[dt.date, list[tuple[int, str, int, bool, int]]] = {}
    for step in sorted(history):
        by_day.setdefault(START + dt.timedelta(days=step[0]), []).append(step)
    refusals: dict[str, list[str]] = {variant: [] for variant in VARIANTS}
    day = FIRST_DAY
    while day <= LAST_DAY:
        with clock.frozen(day):
            for step in by_day.get(day, ()):
                for variant in VARIANTS:
                    refusals[variant].append(_apply(subscriptions[variant], day, step))
            services.merge_due_scheduled_changes(run_date=day)
            mine = {contract.pk for contract in contracts.values()}
            for contract_id in mine.intersection(due_contract_ids(run_date=day)):
                assert run_contract(contract_id=contract_id, run_date=day).status != "failed"
            for contract_id in mine.intersection(change_log_contract_ids(run_date=day)):
                result = run_change_log_for_contract(contract_id=contract_id, run_date=day)
                assert result.status != "failed" or result.error_code == "earlier_cycle_not_invoiced"
            if (day - FIRST_DAY).days in forced:
                try:
                    generate_change_log_invoice(contract=contracts["forced"], run_date=day)
                except SeatlineError as exc:
                    assert exc.code == "earlier_cycle_not_invoiced"
        day += dt.timedelta(days=1)

    assert all(codes == refusals["off"] for codes in refusals.values())
    expected = _billed(contracts["off"])
    for variant in VARIANTS[1:]:
        assert _billed(contracts[variant]) == expected, variant
