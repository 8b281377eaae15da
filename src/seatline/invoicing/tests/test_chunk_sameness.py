# SPDX-License-Identifier: AGPL-3.0-or-later
"""Proof of sameness: the set-based chunk (`chunks.run_chunk`) writes exactly what the
per-contract path (`chunks.run_chunk_per_contract`) writes, on the same random tenant.

The tenant (seeded, several seeds): monthly, quarterly and annual contracts in advance and in
arrears, days and months proration, discounts, minimum commitments, invoice offsets, refunds on
and off, accounts in several countries (two-rate and one-rate tax groups, exempt, unknown
country), USD, EUR, JPY and KWD; a first run bills their history, then increases, refunded and
kept decreases, deactivations, re-activations and price changes (their change lines pending),
NRIs, usage records and a non-recurring contract; the compared run, months later, bills several
due cycles per contract at once. Both paths run from the same state (the first rolled back);
invoices, lines, taxes, billing schedules, audit events, follow-up jobs, the run results, the
contracts' next invoice dates, the change logs archived and the NRIs and usage billed must be
equal, row by row and in id order (new ids compared by rank: PostgreSQL does not roll its
sequences back).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from tests import billing_factories as factories

from seatline import clock
from seatline.audit.models import AuditEvent
from seatline.configuration.models import Configuration
from seatline.contracts.models import BillingContract, BillingSchedule
from seatline.errors import SeatlineError
from seatline.invoicing import chunks
from seatline.invoicing.models import Invoice, InvoiceLine, InvoiceTax
from seatline.invoicing.runs import due_contract_ids
from seatline.jobs.models import Job
from seatline.subscriptions.models import LicenseChangeLog, NonRecurringItem, UsageRecord
from seatline.subscriptions.services import (
    activate_subscription,
    add_nri,
    change_price,
    change_quantity,
    deactivate_subscription,
)
from seatline.subscriptions.usage import record_usage
from seatline.taxes.models import TaxRate, TaxRateGroup

D = dt.date
HISTORY_RUN = D(2025, 2, 3)
COMPARED_RUN = D(2025, 6, 5)
CURRENCIES = ("USD", "EUR", "JPY", "KWD")
PLACES = [("US", "CA"), ("DE", ""), ("US", "NY"), ("FR", ""), ("ZZ", "")]
PRICES = [Decimal(p) for p in ("6.00", "12.00", "12.50", "22.50", "36.00", "57.20", "0.1234")]


class Rollback(Exception):
    pass


def _tax_groups() -> None:
    california = TaxRateGroup.objects.create(name="California", country="US", region="CA")
    TaxRate.objects.create(group=california, name="State", percent=Decimal("6.00"), position=1)
    TaxRate.objects.create(group=california, name="County", percent=Decimal("1.25"), position=2)
    germany = TaxRateGroup.objects.create(name="Germany", country="DE", region="")
    TaxRate.objects.create(group=germany, name="USt", percent=Decimal("19.00"), position=1)
    france = TaxRateGroup.objects.create(name="France", country="FR", region="")
    TaxRate.objects.create(group=france, name="TVA", percent=Decimal("20.00"), position=1)


def _contract(rng: random.Random, n: int) -> BillingContract:
    country, region = rng.choice(PLACES)
    owner = factories.account(
        name=f"Customer {n}", country=country, region=region, tax_exempt=rng.random() < 0.1
    )
    frequency = rng.choice(["monthly", "monthly", "quarterly", "annual"])
    return factories.contract(
        owner,
        name=f"Contract {n}",
        frequency=frequency,
        policy=rng.choice(["advance", "advance", "arrears"]),
        prorate_unit=rng.choice(["days", "months"]),
        start_date=D(2024, rng.choice([1, 3, 5, 7, 8, 10, 12]), rng.choice([1, 1, 15, 31 if n % 2 else 28])),
        currency=rng.choice(CURRENCIES),
        discount_percent=rng.choice([Decimal(0), Decimal(0), Decimal("5.00"), Decimal("12.50")]),
        minimum_commitment=rng.choice([Decimal(0)] * 5 + [Decimal("500.00")]),
        invoice_offset_days=rng.choice([1, 1, 0, 5, -3]),
        process_refunds=rng.choice(["use_global", "yes", "no"]),
    )


def _attempt(action: Any, **kwargs: Any) -> None:
    # refused (reduction rules, inactive subscription): the tenant goes on
    with contextlib.suppress(SeatlineError):
        action(**kwargs)


def random_tenant(seed: int, contracts: int = 14) -> None:
    rng = random.Random(seed)
    Configuration.objects.update_or_create(pk=1, defaults={"generate_refunds": rng.random() < 0.5})
    _tax_groups()
    made = []
    with clock.frozen(D(2024, 12, 20)):
        for n in range(contracts):
            contract = _contract(rng, n)
            subs = []
            for s in range(rng.randint(1, 4)):
                subs.append(
                    factories.subscription(
                        contract,
                        name=f"Plan {s}",
                        quantity=rng.randint(1, 40),
                        price=rng.choice(PRICES),
                        start_date=max(contract.start_date, D(2024, rng.randint(1, 12), rng.randint(1, 28))),
                        sales_unit=rng.choice(["monthly", "monthly", "annual"]),
                    )
                )
            if rng.random() < 0.3:
                usage = factories.subscription(contract, name="Azure", kind="usage", price=Decimal(0))
                subs.append(usage)
            made.append((contract, subs))
        once = factories.contract(name="One-off", type="non_recurring", currency="EUR")
        add_nri(contract=once, description="Migration", quantity=2, unit_price="500.00", date=D(2025, 3, 1))
        add_nri(contract=once, description="Later", quantity=1, unit_price="80.00", date=D(2025, 9, 1))
    with clock.frozen(HISTORY_RUN), transaction.atomic():
        chunks.run_chunk_per_contract(
            contract_ids=due_contract_ids(run_date=HISTORY_RUN), run_date=HISTORY_RUN
        )
    for contract, subs in made:
        for sub in subs:
            day = D(2025, rng.randint(2, 5), rng.randint(1, 28))
            with clock.frozen(day):
                if sub.kind == "usage":
                    record_usage(
                        subscription=sub,
                        cost=Decimal(rng.randint(10, 900)),
                        period_start=D(2025, 1, 1),
                        period_end=D(2025, 1, 31),
                    )
                    continue
                choice = rng.random()
                if choice < 0.35:
                    _attempt(
                        change_quantity,
                        subscription=sub,
                        quantity=sub.quantity + rng.randint(1, 9),
                        effective=day,
                    )
                elif choice < 0.55:
                    _attempt(
                        change_quantity,
                        subscription=sub,
                        quantity=max(sub.quantity - rng.randint(1, 5), 1),
                        effective=day,
                    )
                elif choice < 0.7:
                    _attempt(deactivate_subscription, subscription=sub, refund=rng.random() < 0.5, on=day)
                    if rng.random() < 0.5:
                        _attempt(activate_subscription, subscription=sub, on=day + dt.timedelta(days=9))
                elif choice < 0.85:
                    _attempt(change_price, subscription=sub, price=rng.choice(PRICES), effective=day)
                if rng.random() < 0.3:
                    add_nri(
                        contract=contract,
                        description="Onboarding",
                        quantity=rng.randint(1, 3),
                        unit_price="95.50",
                        date=day,
                        discount_percent=rng.choice([Decimal(0), Decimal("10")]),
                    )


def _after(model: type[models.Model], mark: int) -> list[dict[str, Any]]:
    return list(model.objects.filter(pk__gt=mark).order_by("pk").values())


class _Ranks:
    """New invoice ids -> 'new#k' (k: rank by id); other ids stay."""

    def __init__(self, mark: int) -> None:
        self.ids = {
            pk: f"new#{k}"
            for k, pk in enumerate(
                Invoice.objects.filter(pk__gt=mark).order_by("pk").values_list("pk", flat=True)
            )
        }

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str) and value.isdigit():
            return self.ids.get(int(value), value)
        return self.ids.get(value, value) if isinstance(value, int) else value

    def text(self, value: str) -> str:
        return re.sub(r"(#| )(\d+)(:|$)", lambda m: f"{m[1]}{self(int(m[2]))}{m[3]}", value)


def snapshot(marks: dict[str, int], results: list[Any], contract_ids: list[int]) -> dict[str, Any]:
    rank = _Ranks(marks["invoice"])
    invoice_type = ContentType.objects.get_for_model(Invoice).pk
    invoices = _after(Invoice, marks["invoice"])
    for row in invoices:
        row["id"] = rank(row["id"])
    lines, taxes = _after(InvoiceLine, marks["line"]), _after(InvoiceTax, marks["tax"])
    for row in [*lines, *taxes]:
        row.pop("id")
        row["invoice_id"] = rank(row["invoice_id"])
    audit = _after(AuditEvent, marks["audit"])
    for row in audit:
        row.pop("id")
        if row["content_type_id"] == invoice_type:
            row["object_id"] = rank(row["object_id"])
            row["object_repr"] = rank.text(row["object_repr"])
            row["message"] = rank.text(row["message"])
            if "id" in row["changes"]:
                row["changes"]["id"] = [None, rank(row["changes"]["id"][1])]
    jobs = _after(Job, marks["job"])
    for row in jobs:
        row.pop("id")
        row["object_id"] = rank(row["object_id"])
        if "invoice_id" in row["parameters"]:
            row["parameters"]["invoice_id"] = rank(row["parameters"]["invoice_id"])
    schedules = list(
        BillingSchedule.objects.filter(contract_id__in=contract_ids)
        .order_by("contract_id", "cycle_start")
        .values()
    )
    for row in schedules:
        row.pop("id")
        row["invoice_id"] = rank(row["invoice_id"])
    outcome = []
    for result in results:
        data = result.as_dict()
        data["invoice_ids"] = [rank(pk) for pk in data["invoice_ids"]]
        outcome.append(data)
    return {
        "results": outcome,
        "invoices": invoices,
        "lines": lines,
        "taxes": taxes,
        "schedules": schedules,
        "audit": audit,
        "jobs": jobs,
        "next_invoice_dates": list(
            BillingContract.objects.order_by("pk").values_list("pk", "next_invoice_date")
        ),
        "change_logs": list(LicenseChangeLog.objects.order_by("pk").values_list("pk", "status")),
        "nris": list(NonRecurringItem.objects.order_by("pk").values_list("pk", "status")),
        "usage": list(UsageRecord.objects.order_by("pk").values_list("pk", "invoiced")),
    }


def _marks() -> dict[str, int]:
    def top(model: type[models.Model]) -> int:
        return model.objects.aggregate(top=models.Max("pk"))["top"] or 0

    return {
        "invoice": top(Invoice),
        "line": top(InvoiceLine),
        "tax": top(InvoiceTax),
        "audit": top(AuditEvent),
        "job": top(Job),
    }


def both_paths(
    contract_ids: list[int], run_date: dt.date, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict, dict]:
    marks = _marks()
    with clock.frozen(run_date):
        try:
            with transaction.atomic():
                old = snapshot(
                    marks,
                    chunks.run_chunk_per_contract(contract_ids=contract_ids, run_date=run_date),
                    contract_ids,
                )
                raise Rollback
        except Rollback:
            pass
        with monkeypatch.context() as patched:

            def no_fallback(**kwargs: Any) -> Any:
                raise AssertionError("the set-based chunk fell back to the per-contract path")

            patched.setattr(chunks, "run_chunk_per_contract", no_fallback)
            with transaction.atomic():
                new = snapshot(
                    marks, chunks.run_chunk(contract_ids=contract_ids, run_date=run_date), contract_ids
                )
    return old, new


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_set_based_chunk_writes_what_the_per_contract_path_writes(seed, monkeypatch):
    random_tenant(seed)
    ids = due_contract_ids(run_date=COMPARED_RUN)
    assert len(ids) >= 10
    old, new = both_paths(ids, COMPARED_RUN, monkeypatch)
    for key in old:
        assert new[key] == old[key], key
    # the tenant exercises what the comparison is about
    assert len(old["invoices"]) >= 15
    assert {row["currency"] for row in old["invoices"]} >= {"USD", "EUR"}
    assert {row["type"] for row in old["lines"]} >= {"recurring", "proration", "nri"}
    assert old["taxes"] and old["jobs"]
    assert any(len(result["cycles"]) > 1 for result in old["results"])
