# SPDX-License-Identifier: AGPL-3.0-or-later
"""Test helpers: run an acceptance scenario (tests/acceptance) into the test database and find its
reconciliation groups by scenario subscription ids."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from seatline.provider_invoices.models import ProviderInvoice
from seatline.reconciliation.models import GroupSubscription, Reconciliation, ReconciliationGroup
from seatline.subscriptions.models import Subscription

ACCEPTANCE = Path(__file__).resolve().parents[1] / "acceptance"


def scenario(stem: str) -> dict[str, Any]:
    from seatline.simulate.runner import run_scenario_file

    (path,) = ACCEPTANCE.glob(f"{stem}*.yaml")
    return run_scenario_file(path)


def reconciliation(number: str) -> Reconciliation:
    return Reconciliation.objects.get(
        provider_invoice__number=number, provider_invoice__replaced_at__isnull=True
    )


def invoice(number: str) -> ProviderInvoice:
    return ProviderInvoice.objects.get(number=number, replaced_at__isnull=True)


def group(number: str, *names: str) -> ReconciliationGroup:
    """The group of provider invoice `number` whose subscriptions are named `names` (scenario ids
    are the subscriptions' names only when the scenario says so: here, by product name)."""
    recon = reconciliation(number)
    for candidate in recon.groups.all():
        subs = GroupSubscription.objects.filter(group=candidate).values_list("subscription_id", flat=True)
        found = sorted(Subscription.objects.filter(pk__in=list(subs)).values_list("name", flat=True))
        if found == sorted(names):
            return candidate
    raise AssertionError(f"no group of {names} in {number}")


def figures(recon: Reconciliation) -> list[tuple[Any, ...]]:
    return [
        (
            g.key,
            g.status,
            g.provider_seat_days,
            g.billed_seat_days,
            g.seat_day_variance,
            g.provider_cost,
            g.revenue,
            g.margin,
            g.margin_percent,
            g.leakage_amount,
            tuple(g.flags),
        )
        for g in recon.groups.order_by("key")
    ]
