# SPDX-License-Identifier: AGPL-3.0-or-later
"""Reconciliation services on the acceptance scenarios' data: reruns, the job, mapping rules,
and the group actions (billing the missing seat-days, crediting the customer, dismissing)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from seatline import clock
from seatline.audit.models import AuditEvent
from seatline.errors import SeatlineError
from seatline.invoicing.models import InvoiceKind
from seatline.jobs.models import Job
from seatline.reconciliation import actions, services
from seatline.reconciliation.models import MappingRule, ReconciledLine
from seatline.subscriptions.models import Subscription
from tests.reconciliation.support import figures, group, invoice, reconciliation, scenario

pytestmark = pytest.mark.django_db
BB, E3 = "Microsoft 365 Business Basic", "Microsoft 365 E3"
FEB10 = dt.date(2024, 2, 10)


def test_a_rerun_gives_the_same_numbers_from_stored_data() -> None:
    scenario("52-")
    recon = reconciliation("G000520001")
    first = figures(recon)
    assert sorted(row[1] for row in first) == ["overbilled_seats", "unbilled_seats"]
    with clock.frozen(FEB10):
        again = services.reconcile_invoice(invoice=invoice("G000520001"))
        third = services.reconcile_invoice(invoice=invoice("G000520001"))
    assert figures(again) == first == figures(third)
    assert third.runs == recon.runs + 2
    assert (third.provider_cost, third.revenue, third.margin, third.leakage_amount) == (
        Decimal("185.54"), Decimal("240.00"), Decimal("54.46"), Decimal("3.55"),
    )  # fmt: skip
    assert AuditEvent.objects.filter(action="reconciliation_computed").count() >= 3


def test_the_reconcile_job_runs_when_the_invoice_becomes_active() -> None:
    scenario("52-")
    job = Job.objects.get(job_type="reconcile")
    assert job.status == "succeeded"
    assert job.parameters == {"provider_invoice_id": invoice("G000520001").pk}
    assert job.results["groups"] == 2


def test_billing_the_missing_seat_days_makes_the_group_matched() -> None:
    scenario("47-")
    leaking = group("G000470001", BB)
    assert (leaking.status, leaking.seat_day_variance, leaking.leakage_amount) == (
        "unbilled_seats", 16, Decimal("2.58"),
    )  # fmt: skip
    with clock.frozen(FEB10):
        billed = actions.bill_missing_seat_days(group=leaking)
    assert billed is not None and billed.kind == InvoiceKind.CHANGE_LOG
    ((kind, quantity, start, end, amount),) = billed.lines.values_list(
        "type", "quantity", "period_start", "period_end", "amount"
    )
    # 1 seat x 6.00 x 16/31 = 3.096.. -> 3.10
    assert (kind, quantity, start, end, amount) == (
        "proration", Decimal(1), dt.date(2024, 1, 16), dt.date(2024, 1, 31), Decimal("3.10"),
    )  # fmt: skip
    after = group("G000470001", BB)
    assert (after.status, after.billed_seat_days, after.leakage_amount) == ("matched", 326, Decimal("0.00"))
    assert (after.resolution, after.resolution_invoice_id) == ("billed", billed.pk)
    assert Subscription.objects.get(name=BB).quantity == 11
    with pytest.raises(SeatlineError) as refused:
        actions.bill_missing_seat_days(group=after)
    assert refused.value.code == "group_not_unbilled"


def test_crediting_the_customer_makes_the_group_matched() -> None:
    scenario("48-")
    over = group("G000480001", BB)
    assert (over.status, over.seat_day_variance) == ("overbilled_seats", -270)
    with pytest.raises(SeatlineError) as refused:
        actions.credit_customer(group=over, reason=" ")
    assert refused.value.code == "reason_required"
    with clock.frozen(FEB10):
        (note,) = actions.credit_customer(group=over, reason="cancelled at Microsoft on Jan 5")
    assert note.kind == InvoiceKind.CREDIT_NOTE and note.credited_invoice.status != "void"
    # -10 seats over Jan 5..31 of the 60.00 line: 60.00 x 270/310 = 52.258.. -> -52.26
    assert list(note.lines.values_list("type", "quantity", "period_start", "period_end", "amount")) == [
        ("credit", Decimal(-10), dt.date(2024, 1, 5), dt.date(2024, 1, 31), Decimal("-52.26"))
    ]
    assert note.total == Decimal("-52.26")
    after = group("G000480001", BB)
    assert (after.status, after.billed_seat_days, after.revenue) == ("matched", 40, Decimal("7.74"))
    assert after.resolution == "credited"
    missing = group("G000480001", E3)
    assert missing.status == "missing_at_provider"


def test_dismissing_needs_a_reason_and_survives_a_rerun() -> None:
    scenario("52-")
    over = group("G000520001", E3)
    with pytest.raises(SeatlineError) as refused:
        services.dismiss_group(group=over, reason="")
    assert refused.value.code == "reason_required"
    services.dismiss_group(group=over, reason="seat moved to another tenant in February")
    with clock.frozen(FEB10):
        services.reconcile_invoice(invoice=invoice("G000520001"))
    again = group("G000520001", E3)
    assert (again.status, again.resolution, again.resolution_reason) == (
        "overbilled_seats", "dismissed", "seat moved to another tenant in February",
    )  # fmt: skip


def test_mapping_and_ignoring_unmapped_lines_saves_rules() -> None:
    scenario("49-")
    recon = reconciliation("G000490001")
    queue = {
        item.line.row_number: item for item in ReconciledLine.objects.filter(reconciliation=recon, outcome="")
    }
    assert {row: item.reason for row, item in queue.items()} == {
        3: "unknown_customer", 4: "unknown_product", 5: "unknown_subscription",
    }  # fmt: skip
    assert recon.unmapped_amount == Decimal("68.00")
    with pytest.raises(SeatlineError) as refused:
        services.ignore_lines(lines=[queue[3]], reason="")
    assert refused.value.code == "reason_required"
    with pytest.raises(SeatlineError) as refused:
        services.map_lines(lines=[queue[5]])
    assert refused.value.code == "invalid_mapping"
    with clock.frozen(FEB10):
        services.ignore_lines(lines=[queue[3]], reason="a tenant we resell for a partner")
        (rule,) = services.map_lines(lines=[queue[5]], subscription=Subscription.objects.get(name=BB))
    assert (rule.provider_subscription_id, rule.action) == ("sub-e3x", "map")
    recon = reconciliation("G000490001")
    outcomes = {
        item.line.row_number: (item.outcome, item.reason)
        for item in ReconciledLine.objects.filter(reconciliation=recon).select_related("line")
    }
    assert outcomes == {
        2: ("subscription", ""), 3: ("ignored", ""), 4: ("", "unknown_product"), 5: ("rule", ""),
    }  # fmt: skip
    assert (recon.unmapped_count, recon.ignored_count, recon.unmapped_amount) == (1, 1, Decimal("20.00"))
    bb = group("G000490001", BB)
    assert (bb.provider_seat_days, bb.status) == (341, "unbilled_seats")  # 310 + 1 x 31
    with pytest.raises(SeatlineError) as refused:
        services.map_lines(lines=[queue[5]], subscription=Subscription.objects.get(name=BB))
    assert refused.value.code == "line_not_unmapped"
    assert MappingRule.objects.count() == 2
