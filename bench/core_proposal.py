# SPDX-License-Identifier: AGPL-3.0-or-later
"""Benchmark of the pure billing core: propose_regular and lines_for_change over 100,000
in-memory subscriptions.

10,000 contracts x 10 subscriptions (monthly, quarterly and annual contracts started between
2022 and 2024, each subscription with a few license changes: increases, refunded decreases,
price changes, deactivations and re-activations). Each contract's billing history up to the
run date (each change's lines computed when it is known, regular and change-log invoices, i.e.
the `BilledLine` rows) is produced by the core itself. Then two things are timed: every
contract's next due cycle proposed (with the change lines still pending), and the lines of one
more change per subscription (+1 seat on the run date) computed against its billed record.

To keep memory flat, 200 contract histories are generated and the 10,000 contracts are
instances of them (each with its own snapshot objects; subscription ids are per contract,
which is all the core needs since it works one contract at a time).

    .venv/bin/python bench/core_proposal.py [--contracts 10000] [--subs 10] [--seed 7]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from seatline.core import (
    as_billed,
    billed_lines_of,
    contract_cycles,
    due_cycles,
    generation_date,
    lines_for_change,
    propose_change_log,
    propose_regular,
)
from seatline.core.types import (
    BilledLine,
    BillingSettings,
    Change,
    ContractTerms,
    CoreError,
    PendingLine,
    SubscriptionSnapshot,
    TaxContext,
    TaxRate,
)

RUN_DATE = dt.date(2025, 1, 20)
SETTINGS = BillingSettings(generate_refunds=True)
TAXES = TaxContext(rates=(TaxRate("State", Decimal("5")), TaxRate("County", Decimal("3"))))


def _changes(rng: random.Random, start: dt.date, end: dt.date) -> list[tuple[dt.date, Change]]:
    """(day the user acted, LCL) pairs for one subscription between start and end."""
    price = Decimal(rng.choice(["6.00", "12.00", "22.50", "36.00", "57.20"]))
    quantity = rng.randint(1, 50)
    out = [(start, Change(1, start, quantity, price, "create"))]
    active, before = True, 0
    span = (end - start).days
    for n, offset in enumerate(
        sorted(rng.sample(range(1, span), k=min(span - 1, rng.randint(0, 4)))), start=2
    ):
        day = start + dt.timedelta(days=offset)
        roll = rng.random()
        if not active:
            out.append((day, Change(n, day, before, price, "activate")))
            quantity, active = before, True
        elif roll < 0.45:
            delta = rng.randint(1, 10)
            out.append((day, Change(n, day, delta, price, "increase")))
            quantity += delta
        elif roll < 0.75 and quantity > 1:
            delta = -rng.randint(1, quantity - 1)
            out.append((day, Change(n, day, delta, price, "decrease", refund=rng.random() < 0.5)))
            quantity += delta
        elif roll < 0.9:
            price = (price * Decimal("1.05")).quantize(Decimal("0.01"))
            out.append((day, Change(n, day, 0, price, "price")))
        else:  # deactivation on `day`: stored effective the day after
            out.append(
                (day, Change(n, day + dt.timedelta(days=1), -quantity, price, "deactivate", refund=True))
            )
            before, quantity, active = quantity, 0, False
    return out


def build_history(rng: random.Random, n_subs: int):  # type: ignore[no-untyped-def]
    """One contract with its subscriptions' LCLs and its billing history up to RUN_DATE."""
    frequency = rng.choice(["monthly", "monthly", "quarterly", "annual"])
    start = dt.date(rng.randint(2022, 2024), rng.randint(1, 12), rng.choice([1, 1, 1, 15, 28]))
    terms = ContractTerms(
        id=1,
        type="recurring",
        frequency=frequency,
        policy="advance",
        prorate_unit=rng.choice(["days", "days", "days", "months"]),
        start=start,
        end=None,
        auto_renew=False,
        currency="USD",
        process_refunds="yes",
        change_log_invoices="off" if frequency == "monthly" else "weekly",
    )
    known: list[list[tuple[dt.date, Change]]] = []
    for _ in range(n_subs):
        sub_start = min(start + dt.timedelta(days=rng.randint(0, 60)), RUN_DATE - dt.timedelta(days=30))
        known.append(_changes(rng, sub_start, RUN_DATE - dt.timedelta(days=1)))
    run_days = {day for history in known for day, _ in history}
    run_days |= {generation_date(terms, c) for c in contract_cycles(terms, through=RUN_DATE)}
    billed: list[BilledLine] = []
    invoiced: set[dt.date] = set()
    pending: list[PendingLine] = []
    recorded = [0] * len(known)

    def snapshot(i: int, changes: list[Change]) -> SubscriptionSnapshot:
        return SubscriptionSnapshot(
            id=i + 1,
            kind="license",
            description=f"Seats {i + 1}",
            unit_months=1,
            start=known[i][0][1].effective,
            changes=tuple(changes),
        )

    for day in sorted(d for d in run_days if d < RUN_DATE):
        for i, history in enumerate(known):  # the day's changes first, each one's lines fixed now
            while recorded[i] < len(history) and history[recorded[i]][0] <= day:
                recorded[i] += 1
                change = history[recorded[i] - 1][1]
                after = snapshot(i, [c for _, c in history[: recorded[i]]])
                lines = lines_for_change(
                    terms,
                    invoiced_starts=frozenset(invoiced),
                    subscription=after,
                    change=change,
                    billed=billed,
                )
                pending.extend(PendingLine(len(pending) + 1, change.effective, line) for line in lines)
                billed.extend(as_billed(lines))
        subs = [snapshot(i, [c for _, c in history[: recorded[i]]]) for i, history in enumerate(known)]
        for cycle in due_cycles(terms, run_date=day, invoiced_starts=frozenset(invoiced)):
            proposal = propose_regular(
                terms,
                cycle,
                subscriptions=subs,
                billed=billed,
                invoiced_starts=frozenset(invoiced),
                nris=(),
                usage=(),
                taxes=TAXES,
                settings=SETTINGS,
                today=day,
                pending=pending,
            )
            invoiced.add(cycle.start)
            billed.extend(billed_lines_of(proposal))
            pending = []
        if terms.change_log_invoices == "off" or day.weekday() != SETTINGS.cli_weekday:
            continue
        try:
            proposal = propose_change_log(
                terms,
                subscriptions=subs,
                billed=billed,
                invoiced_starts=frozenset(invoiced),
                nris=(),
                taxes=TAXES,
                settings=SETTINGS,
                today=day,
                pending=pending,
            )
        except CoreError:
            continue
        billed.extend(billed_lines_of(proposal))
        pending = []
    subs = [snapshot(i, [c for _, c in history]) for i, history in enumerate(known)]
    return terms, tuple(subs), tuple(billed), frozenset(invoiced), tuple(pending)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=10_000)
    parser.add_argument("--subs", type=int, default=10)
    parser.add_argument("--templates", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    t0 = time.perf_counter()
    templates = [build_history(rng, args.subs) for _ in range(args.templates)]
    contracts = []
    for n in range(args.contracts):
        terms, subs, billed, invoiced, pending = templates[n % len(templates)]
        contracts.append(
            (replace(terms, id=n + 1), tuple(replace(s) for s in subs), billed, invoiced, pending)
        )
    n_subs = sum(len(c[1]) for c in contracts)
    n_billed = sum(len(c[2]) for c in contracts)
    n_pending = sum(len(c[4]) for c in contracts)
    print(
        f"built {len(contracts)} contracts, {n_subs} subscriptions, {n_billed} billed lines "
        f"({n_pending} pending change lines) in {time.perf_counter() - t0:.1f} s"
    )

    lines = 0
    t0 = time.perf_counter()
    for terms, subs, billed, invoiced, pending in contracts:
        cycle = due_cycles(terms, run_date=RUN_DATE + dt.timedelta(days=400), invoiced_starts=invoiced)[0]
        proposal = propose_regular(
            terms,
            cycle,
            subscriptions=subs,
            billed=billed,
            invoiced_starts=invoiced,
            nris=(),
            usage=(),
            taxes=TAXES,
            settings=SETTINGS,
            today=max(RUN_DATE, cycle.start),
            pending=pending,
        )
        lines += len(proposal.lines)
    elapsed = time.perf_counter() - t0
    print(
        f"propose_regular: {len(contracts)} contracts, {n_subs} subscriptions, {lines} lines in {elapsed:.2f} s"
    )
    print(f"{n_subs / elapsed:,.0f} subscriptions/second")

    lines = 0
    t0 = time.perf_counter()
    for terms, subs, billed, invoiced, _ in contracts:
        by_sub: dict[int, list[BilledLine]] = {}
        for line in billed:
            by_sub.setdefault(line.subscription_id, []).append(line)
        for sub in subs:
            last = sub.changes[-1]
            change = Change(len(sub.changes) + 1, max(RUN_DATE, last.effective), 1, last.price, "increase")
            lines += len(
                lines_for_change(
                    terms,
                    invoiced_starts=invoiced,
                    subscription=replace(sub, changes=(*sub.changes, change)),
                    change=change,
                    billed=by_sub.get(sub.id, ()),
                )
            )
    elapsed = time.perf_counter() - t0
    print(f"lines_for_change: {n_subs} changes, {lines} lines in {elapsed:.2f} s")
    print(f"{n_subs / elapsed:,.0f} changes/second")


if __name__ == "__main__":
    main()
