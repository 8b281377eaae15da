# SPDX-License-Identifier: AGPL-3.0-or-later
"""Run a scenario day by day on the current default database, through the real services and jobs.

The database must be migrated and hold no scenario data (the CLI gives it a throwaway database;
tests run it inside their test transaction). Time is a `MovableClock` installed process-wide:
the static data (configuration, taxes, accounts, contracts, subscriptions) is created on the
run's first day, before that day's events; then for every day of the run the day's events are
applied in file order (refusals are collected, not raised) and the day's jobs run
(`seatline.invoicing.daily.run_nightly`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings as django_settings
from django.db import transaction

from seatline import clock
from seatline.configuration.models import Configuration
from seatline.contracts.models import BillingContract
from seatline.customers.models import Account
from seatline.errors import SeatlineError
from seatline.invoicing import services as invoicing_services
from seatline.invoicing.daily import run_nightly
from seatline.invoicing.models import Invoice
from seatline.jobs.models import Job
from seatline.jobs.registry import has_handler
from seatline.payments.services import record_payment
from seatline.simulate import events as ev
from seatline.simulate import output
from seatline.simulate.payment_steps import PaymentSide
from seatline.simulate.provider_steps import ProviderSide
from seatline.simulate.reconciliation_output import reconcile_all, reconciliation_json
from seatline.simulate.schema import Scenario, ScenarioError, load_scenario
from seatline.subscriptions import services
from seatline.subscriptions.models import Subscription
from seatline.taxes.models import TaxRate, TaxRateGroup

UNKNOWN_REFERENCE = "unknown_reference"
logger = logging.getLogger(__name__)


def run_scenario_file(path: str | Path) -> dict[str, Any]:
    return run_scenario(load_scenario(path))


def run_scenario(scenario: Scenario, *, documents_dir: Path | None = None) -> dict[str, Any]:
    """Run `scenario`; with `documents_dir`, also write every issued document's PDF there."""
    run = ScenarioRun(scenario)
    result = run.run()
    if documents_dir is not None:
        run.write_documents(documents_dir)
    return result


def day_instant(day: dt.date, *zone_names: str) -> dt.datetime:
    """An instant that is `day` in every given time zone (the middle of their common span).

    `clock.today()` may be asked in the tenant's zone or in Django's TIME_ZONE: both must agree.
    """
    zones = [ZoneInfo(name) for name in dict.fromkeys(zone_names)]
    next_day = day + dt.timedelta(days=1)
    low = max(dt.datetime.combine(day, dt.time.min, tzinfo=zone).astimezone(dt.UTC) for zone in zones)
    high = min(dt.datetime.combine(next_day, dt.time.min, tzinfo=zone).astimezone(dt.UTC) for zone in zones)
    if low >= high:  # zones a day apart: the first one (the tenant's) decides
        return dt.datetime.combine(day, dt.time(12), tzinfo=zones[0]).astimezone(dt.UTC)
    return low + (high - low) / 2


class ScenarioRun:
    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.accounts: dict[str, int] = {}
        self.contracts: dict[str, int] = {}
        self.subscriptions: dict[str, int] = {}
        self.documents: list[int] = []  # invoice ids in output order
        self.rejected: list[dict[str, Any]] = []
        self._last_invoice_id = 0
        self._last_job_id = 0
        self.job_problems: list[str] = []
        self.provider_side = ProviderSide(scenario)
        self.payment_side = PaymentSide(scenario)
        zones = (scenario.settings.time_zone, str(django_settings.TIME_ZONE or "UTC"), "UTC")
        self._zones = zones

    # -- the run -----------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:

        run = self.scenario.run
        movable = clock.MovableClock(day_instant(run.start, *self._zones))
        by_day: dict[dt.date, list[ev.Event]] = defaultdict(list)
        for event in self.scenario.events:
            by_day[event.date].append(event)
        self._last_invoice_id = Invoice.objects.order_by("-id").values_list("id", flat=True).first() or 0
        self._last_job_id = _last_job_id()
        from seatline.providers.provisioning import recorded_as_provisioned

        # Nothing is provisioned at a provider in a scenario: its subscriptions count as provisioned.
        self.payment_side.start()
        try:
            with clock.process_clock(movable), recorded_as_provisioned():
                self._configure()
                self._create_static()
                for day in run.days():
                    movable.set(day_instant(day, *self._zones))
                    self.provider_side.import_due(day)
                    todays = by_day.get(day, ())
                    for event in todays:
                        self._apply(event)
                        self._collect_documents()  # a later `pay` of the same day may name it
                    run_nightly(run_date=day)
                    self._collect_documents()
                    self.payment_side.collect(day)  # the day's collections, after its invoicing
                    self._check_jobs(day)
                if self.provider_side.used:
                    reconcile_all(list(self.provider_side.providers.values()))
        finally:
            self.payment_side.stop()
        return self._output()

    def _collect_documents(self) -> None:
        """Append the documents created since the last call, in docs/billing.md 3 order."""
        new = list(
            Invoice.objects.filter(id__gt=self._last_invoice_id).values_list("id", "kind", "contract_id")
        )
        if not new:
            return
        new.sort(key=lambda row: output.day_order_key(row[1], row[2], row[0]))
        self.documents.extend(row[0] for row in new)
        self._last_invoice_id = max(row[0] for row in new)

    def _check_jobs(self, day: dt.date) -> None:
        """Report (stderr) the day's jobs that failed, wait for a retry, or failed a contract."""

        rows = list(
            Job.objects.filter(id__gt=self._last_job_id).values_list(
                "id", "job_type", "status", "error", "results"
            )
        )
        if not rows:
            return
        self._last_job_id = max(row[0] for row in rows)
        for pk, job_type, status, error, results in rows:
            failed = results.get("failed") if isinstance(results, dict) else None
            if job_type == "merge_scheduled_license_change_log":
                failed = None  # failed merges are part of the output (failed_merges)
            if status in ("succeeded", "not_applicable", "cancelled") and not failed:
                continue
            if status == "waiting" and not has_handler(job_type):
                continue  # follow-up work (PDF, e-mail) of a feature not installed: not the day's billing
            problem = f"{day.isoformat()}: job {pk} ({job_type}) {status}: {error or failed or ''}".rstrip(
                ": "
            )
            self.job_problems.append(problem)
            logger.warning("simulate: %s", problem)

    def write_documents(self, directory: Path) -> list[Path]:
        """Every issued document's stored PDF as ``directory/<seq>.pdf`` (seq as in the output)."""
        from seatline.documents.services import document_bytes, render_document
        from seatline.invoicing.models import Invoice

        directory.mkdir(parents=True, exist_ok=True)
        written = []
        invoices = Invoice.objects.select_related("account", "contract").in_bulk(self.documents)
        for seq, pk in enumerate(self.documents, start=1):
            invoice = invoices[pk]
            if not invoice.is_issued:
                continue
            target = directory / f"{seq:03d}.pdf"
            target.write_bytes(document_bytes(document=render_document(invoice=invoice)))
            written.append(target)
        return written

    def _output(self) -> dict[str, Any]:
        contract_ids = {pk: scenario_id for scenario_id, pk in self.contracts.items()}
        subscription_ids = {pk: scenario_id for scenario_id, pk in self.subscriptions.items()}
        result = {
            "invoices": output.invoices_json(self.documents, contract_ids, subscription_ids),
            "rejected": self.rejected,
            "failed_merges": output.failed_merges_json(subscription_ids),
            "subscriptions": output.subscriptions_json(self.subscriptions),
        }
        if self.provider_side.used:
            result["provider_invoices"] = self.provider_side.output()
            result.update(reconciliation_json(list(self.provider_side.providers.values()), subscription_ids))
        if self.payment_side.used or any(
            e.kind in ("refund", "set_payment_behaviour") for e in self.scenario.events
        ):
            result.update(self.payment_side.output(self.documents, self.accounts))
        return result

    # -- static data -------------------------------------------------------------------------
    def _configure(self) -> None:
        wanted = self.scenario.settings
        config = Configuration.get()
        config.tenant_currency = self.scenario.currency
        config.time_zone = wanted.time_zone
        config.generate_refunds = wanted.generate_refunds
        config.invoice_date_basis = wanted.invoice_date_basis
        config.change_log_weekday = wanted.change_log_weekday_number
        config.auto_issue_invoices = True
        self.payment_side.configure(config)
        config.save()

    def _create_static(self) -> None:

        currency = self.scenario.currency
        self.provider_side.create_providers()
        for group in self.scenario.tax_rate_groups:
            row = TaxRateGroup.objects.create(name=group.id, country=group.country, region=group.region)
            for position, rate in enumerate(group.rates):
                TaxRate.objects.create(group=row, name=rate.name, percent=rate.percent, position=position)
        for account in self.scenario.accounts:
            row = Account.objects.create(
                name=account.name,
                country=account.country,
                region=account.region,
                tax_exempt=account.tax_exempt,
                currency=currency,
                language=account.language,
            )
            if account.email:
                row.contacts.create(
                    first_name="Billing",
                    last_name=account.name,
                    email=account.email,
                    role="billing",
                    is_primary=True,
                )
            self.accounts[account.id] = row.pk
            self.provider_side.map_account(account, self.accounts[account.id])
        for contract in self.scenario.contracts:  # in file order: contract ids follow the file
            self.contracts[contract.id] = BillingContract.objects.create(
                name=contract.id,
                account_id=self.accounts[contract.account],
                type=contract.type,
                frequency=contract.frequency or "",
                policy=contract.policy,
                prorate_unit=contract.prorate_unit,
                start_date=contract.start,
                end_date=contract.end,
                auto_renew=contract.auto_renew,
                payment_terms=contract.payment_terms,
                process_refunds=contract.process_refunds,
                invoice_offset_days=contract.invoice_offset_days,
                change_log_invoices=contract.change_log_invoices or "",
                discount_percent=contract.discount_percent,
                minimum_commitment=contract.minimum_commitment,
                currency=currency,
                auto_send=contract.auto_send,
            ).pk
        self._create_subscriptions()
        self.payment_side.create(self.accounts, self.contracts)

    def _create_subscriptions(self) -> None:

        accounts = {contract.id: contract.account for contract in self.scenario.contracts}
        for index, sub in enumerate(self.scenario.subscriptions):
            try:
                with transaction.atomic():
                    links = self.provider_side.subscription_links(sub, accounts[sub.contract])
                    created = services.create_subscription(
                        contract=BillingContract.objects.get(pk=self.contracts[sub.contract]),
                        name=sub.product,
                        quantity=sub.quantity,
                        price=sub.price,
                        start_date=sub.start,
                        kind=sub.kind,
                        sales_unit=sub.unit,
                        cost=sub.cost,
                        qrb=sub.qrb,
                        qrw_days=sub.qrw_days,
                        term_months=sub.term_months,
                        taxable=sub.taxable,
                        markup_percent=sub.markup_percent,
                        **links,
                    )
                    if sub.provider_subscription_id:
                        created.provider_subscription_id = sub.provider_subscription_id
                        created.save(update_fields=["provider_subscription_id"])
            except SeatlineError as exc:
                key = f"subscriptions[{index}]" + (f".{exc.field}" if exc.field else "")
                raise ScenarioError(f"refused: [{exc.code}] {exc.message}", key, sub.line) from exc
            self.subscriptions[sub.id] = created.pk

    # -- events ------------------------------------------------------------------------------
    def _apply(self, event: ev.Event) -> None:
        handler = getattr(self, f"_event_{event.kind}")
        try:
            with transaction.atomic():
                handler(event.args, event.date)
        except SeatlineError as exc:
            self.rejected.append(
                {
                    "date": event.date.isoformat(),
                    "event": event.kind,
                    "code": exc.code,
                    "message": exc.message,
                }
            )

    def _subscription(self, scenario_id: str) -> Any:
        pk = self.subscriptions.get(scenario_id)
        if pk is None:
            raise SeatlineError(UNKNOWN_REFERENCE, f"no subscription {scenario_id!r} in the scenario")
        return Subscription.objects.get(pk=pk)

    def _contract(self, scenario_id: str) -> Any:
        pk = self.contracts.get(scenario_id)
        if pk is None:
            raise SeatlineError(UNKNOWN_REFERENCE, f"no contract {scenario_id!r} in the scenario")
        return BillingContract.objects.get(pk=pk)

    def _event_change_quantity(self, args: ev.ChangeQuantity, day: dt.date) -> None:
        services.change_quantity(subscription=self._subscription(args.subscription), quantity=args.quantity)

    def _event_deactivate(self, args: ev.Deactivate, day: dt.date) -> None:
        services.deactivate_subscription(
            subscription=self._subscription(args.subscription), refund=args.refund
        )

    def _event_activate(self, args: ev.Activate, day: dt.date) -> None:
        services.activate_subscription(subscription=self._subscription(args.subscription))

    def _event_schedule_change(self, args: ev.ScheduleChange, day: dt.date) -> None:
        services.schedule_change(
            subscription=self._subscription(args.subscription),
            effective=args.effective,
            quantity=args.quantity,
            price=args.price,
            source="simulation",
        )

    def _event_index_price(self, args: ev.IndexPrice, day: dt.date) -> None:
        services.index_prices(
            contract=self._contract(args.contract), percent=args.percent, apply_on=args.apply_on
        )

    def _event_add_nri(self, args: ev.AddNri, day: dt.date) -> None:
        services.add_nri(
            contract=self._contract(args.contract),
            description=args.description,
            quantity=args.quantity,
            unit_price=args.price,
            discount_percent=args.discount_percent,
            taxable=args.taxable,
            unit_cost=args.cost,
        )

    def _event_add_usage(self, args: ev.AddUsage, day: dt.date) -> None:
        services.record_usage(
            subscription=self._subscription(args.subscription),
            cost=args.cost,
            period_start=args.period_start,
            period_end=args.period_end,
            markup_percent=args.markup_percent,
            description=args.description,
        )

    def _event_generate_invoice(self, args: ev.GenerateInvoice, day: dt.date) -> None:
        invoicing_services.generate_manual_invoice(
            contract=self._contract(args.contract), cycle_start=args.cycle_start
        )

    def _event_deactivate_provider_invoice(self, args: ev.DeactivateProviderInvoice, day: dt.date) -> None:
        self.provider_side.deactivate(args.number, args.provider)

    def _event_credit_invoice(self, args: ev.CreditInvoice, day: dt.date) -> None:
        invoicing_services.create_credit_note(invoice=self._document(args.invoice), reason=args.reason)

    def _document(self, number: int) -> Invoice:
        if number > len(self.documents):
            raise SeatlineError(
                UNKNOWN_REFERENCE,
                f"no invoice {number}: {len(self.documents)} document(s) so far",
                field="invoice",
            )
        return Invoice.objects.get(pk=self.documents[number - 1])

    def _event_pay(self, args: ev.Pay, day: dt.date) -> None:
        record_payment(invoice=self._document(args.invoice), amount=args.amount, date=day)

    def _event_set_payment_behaviour(self, args: ev.SetPaymentBehaviour, day: dt.date) -> None:
        self.payment_side.set_behaviour(args)

    def _event_refund(self, args: ev.RefundEvent, day: dt.date) -> None:
        self.payment_side.refund(args, self._document(args.invoice), day)


def _last_job_id() -> int:
    return Job.objects.order_by("-id").values_list("id", flat=True).first() or 0
