# SPDX-License-Identifier: AGPL-3.0-or-later
"""The payment side of a scenario (scenarios.md "Additions"): payment methods at a Stripe
simulator started in this process (loopback), auto-charge contracts, the day's collections,
the `set_payment_behaviour` and `refund` events and the `payments`, `refunds` and `accounts`
outputs.

Every day, after the day's invoicing, the collections run as the daily `charge_invoice` job
does (statuses, credit applied, due charges as `charge_invoice` jobs run by an embedded worker),
so a scenario without payments still shows `overdue` invoices.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from seatline.configuration.models import Configuration
from seatline.connectors.payments import TokenSource
from seatline.customers.models import Account
from seatline.errors import SeatlineError
from seatline.invoicing.models import Invoice
from seatline.jobs.worker import Worker
from seatline.payments.dunning import run_day
from seatline.payments.models import ChargeAttempt, Payment, PaymentProcessor, PaymentProfile, Refund
from seatline.payments.profiles import add_profile, set_contract_collection, set_default
from seatline.payments.refunds import refund_invoice
from seatline.simulate import events as ev
from seatline.simulate import output

UNKNOWN_REFERENCE = "unknown_reference"
#: Stripe's test payment methods per behaviour.
STRIPE_TOKENS = {
    "succeed": "pm_card_visa",
    "card_declined": "pm_card_chargeDeclined",
    "insufficient_funds": "pm_card_chargeDeclinedInsufficientFunds",
    "expired_card": "pm_card_chargeDeclinedExpiredCard",
    "authentication_required": "pm_card_authenticationRequired",
}
REPORTED = (
    ChargeAttempt.Status.SUCCEEDED,
    ChargeAttempt.Status.FAILED,
    ChargeAttempt.Status.PENDING,
    ChargeAttempt.Status.SKIPPED,
)


class PaymentSide:
    def __init__(self, scenario: Any) -> None:
        self.scenario = scenario
        self.methods: dict[str, int] = {}  # scenario payment method id -> profile pk
        self.simulator: Any = None

    @property
    def used(self) -> bool:
        return bool(self.scenario.payment_methods) or any(c.auto_charge for c in self.scenario.contracts)

    def configure(self, config: Configuration) -> None:
        config.dunning_retry_days = list(self.scenario.settings.dunning_retry_days)
        config.dunning_credit_hold = self.scenario.settings.dunning_credit_hold

    def start(self) -> None:
        if not self.scenario.payment_methods:
            return
        from seatline.simulators.stripe.server import StripeSimulator

        self.simulator = StripeSimulator().start()

    def stop(self) -> None:
        if self.simulator is not None:
            self.simulator.stop()
            self.simulator = None

    def create(self, accounts: dict[str, int], contracts: dict[str, int]) -> None:
        processor = None
        if self.scenario.payment_methods:
            processor = PaymentProcessor.objects.create(
                kind="stripe",
                name="Stripe (simulator)",
                api_key="sk_test_scenario",
                webhook_secret="whsec_scenario",
                base_url=self.simulator.url,
                currency=self.scenario.currency,
            )
        for method in self.scenario.payment_methods:
            profile = add_profile(
                account=Account.objects.get(pk=accounts[method.account]),
                processor=processor,  # type: ignore[arg-type]
                source=TokenSource(STRIPE_TOKENS[method.behaviour]),
                make_default=False,
            )
            if method.default:
                set_default(profile=profile)
            self.methods[method.id] = profile.pk
        from seatline.contracts.models import BillingContract

        for contract in self.scenario.contracts:
            if contract.auto_charge or contract.payment_method:
                set_contract_collection(
                    contract=BillingContract.objects.get(pk=contracts[contract.id]),
                    auto_charge=contract.auto_charge,
                    profile=PaymentProfile.objects.get(pk=self.methods[contract.payment_method])
                    if contract.payment_method
                    else None,
                )

    def collect(self, day: dt.date) -> None:
        summary = run_day(day=day)
        if summary["due"]:
            Worker(name=f"collections:{day.isoformat()}").run_until_idle()

    # -- events --------------------------------------------------------------------------------
    def set_behaviour(self, args: ev.SetPaymentBehaviour) -> None:
        pk = self.methods.get(args.method)
        if pk is None or self.simulator is None:
            raise SeatlineError(UNKNOWN_REFERENCE, f"no payment method {args.method!r} in the scenario")
        token = PaymentProfile.objects.get(pk=pk).method_token
        response = httpx.post(
            f"{self.simulator.url}/_sim/behaviours", json={"token": token, "behaviour": args.behaviour}
        )
        response.raise_for_status()

    def refund(self, args: ev.RefundEvent, invoice: Invoice, day: dt.date) -> None:
        refund_invoice(invoice=invoice, amount=args.amount, date=day)

    # -- output --------------------------------------------------------------------------------
    def output(self, documents: list[int], account_ids: dict[str, int]) -> dict[str, Any]:
        seq = {pk: index for index, pk in enumerate(documents, start=1)}
        payments: list[dict[str, Any]] = []
        charged: set[int] = set()
        for attempt in (
            ChargeAttempt.objects.filter(status__in=REPORTED)
            .select_related("processor")
            .order_by("date", "id")
        ):
            row: dict[str, Any] = {
                "invoice": seq.get(attempt.invoice_id),
                "date": attempt.date.isoformat(),
                "amount": output.money(attempt.amount, attempt.currency),
                "status": attempt.status,
            }
            if attempt.code:
                row["code"] = attempt.code
            if attempt.processor is not None:
                row["processor"] = attempt.processor.kind
            if attempt.payment_id:
                charged.add(attempt.payment_id)
            payments.append(row)
        for payment in Payment.objects.exclude(pk__in=charged).order_by("date", "id"):
            payments.append(
                {
                    "invoice": seq.get(payment.invoice_id),
                    "date": payment.date.isoformat(),
                    "amount": output.money(payment.amount, payment.currency),
                    "status": "succeeded",
                    "processor": payment.processor,
                }
            )
        refunds = [
            {
                "invoice": seq.get(refund.invoice_id),
                "date": refund.date.isoformat(),
                "amount": output.money(refund.amount, refund.currency),
            }
            for refund in Refund.objects.order_by("date", "id")
        ]
        holds = dict(Account.objects.values_list("pk", "credit_hold"))
        dunning = dict(Account.objects.values_list("pk", "dunning_hold"))
        accounts = [
            {"id": scenario_id, "credit_hold": bool(holds.get(pk) or dunning.get(pk))}
            for scenario_id, pk in account_ids.items()
        ]
        return {"payments": payments, "refunds": refunds, "accounts": accounts}
