# SPDX-License-Identifier: AGPL-3.0-or-later
"""Charging survives dead workers and racing payers (docs/billing.md 12), PostgreSQL only.

* A real `seatline worker` is SIGKILLed after the Stripe simulator accepted its charge but before
  Seatline recorded it (the simulator holds its answer: a `hold` fault): the job is given back
  after its lease, a second worker sends the same request with the same idempotency key, the
  simulator has exactly one PaymentIntent and the invoice is paid once.
* Processes racing to pay one invoice (manual payments, manual charges, the auto-charge) never
  take its balance below zero: payments add up to at most the total.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from django.db import connection, transaction
from django.db.models import Sum

from seatline import clock
from seatline.configuration.models import Configuration
from seatline.connectors.payments import TokenSource
from seatline.invoicing.models import Invoice
from seatline.jobs.models import Job, JobStatus
from seatline.payments.dunning import run_day
from seatline.payments.models import ChargeAttempt, Payment, PaymentProcessor
from seatline.payments.profiles import add_profile, set_contract_collection
from seatline.simulators.stripe.server import StripeSimulator
from tests import billing_factories as factories
from tests.integration.test_invoice_run_crash import wait_for, worker_processes
from tests.jobs.subprocesses import ROOT, database_for_subprocesses, subprocess_env
from tests.services import require_postgres_database

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
KEY = Fernet.generate_key().decode()


@pytest.fixture
def keyed(settings, monkeypatch):
    settings.FERNET_KEYS = [KEY]
    monkeypatch.setenv("SEATLINE_FERNET_KEYS", KEY)


@pytest.fixture
def sim():
    simulator = StripeSimulator().start()
    try:
        yield simulator
    finally:
        simulator.stop()


def auto_charged_invoice(sim: StripeSimulator) -> Invoice:
    from seatline.invoicing.services import generate_regular_invoice

    Configuration.get()
    processor = PaymentProcessor.objects.create(
        kind="stripe", name="Stripe", api_key="sk_test_crash", webhook_secret="whsec_x", base_url=sim.url
    )
    contract = factories.contract(frequency="monthly", payment_terms="net15")
    factories.subscription(contract, quantity=10, price=Decimal("12.00"))
    add_profile(account=contract.account, processor=processor, source=TokenSource("pm_card_visa"))
    set_contract_collection(contract=contract, auto_charge=True)
    invoice = generate_regular_invoice(
        contract=contract, cycle_start=dt.date(2018, 1, 1), run_date=dt.date(2018, 1, 2)
    )
    assert invoice is not None
    invoice.refresh_from_db()
    return invoice


def intents(sim: StripeSimulator) -> dict:
    return httpx.get(f"{sim.url}/_sim/state").json()["payment_intents"]


def test_a_worker_killed_after_the_processor_accepted_is_retried_with_the_same_key(tmp_path, keyed, sim):
    require_postgres_database()
    invoice = auto_charged_invoice(sim)
    httpx.post(
        f"{sim.url}/_sim/faults", json={"route": "POST /v1/payment_intents", "hold": 20}
    ).raise_for_status()
    day = clock.today()  # the worker processes run on the real clock
    with transaction.atomic():
        assert run_day(day=day)["due"] == [invoice.pk]
    with worker_processes(tmp_path) as workers:
        workers.start("w1")
        wait_for("the simulator to accept the charge", lambda: intents(sim), 30, workers.logs)
        attempt = ChargeAttempt.objects.get(invoice=invoice)
        assert (attempt.status, attempt.idempotency_key) == ("started", f"charge:{invoice.number}:1")
        workers.kill("w1")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'w1'"
            )
        invoice.refresh_from_db()
        assert (invoice.status, Payment.objects.count()) == (
            "overdue" if invoice.due_date < day else invoice.status,
            0,
        )
        workers.start("w2")
        job = Job.objects.get(job_type="charge_invoice", parameters__invoice_id=invoice.pk)
        wait_for(
            "the charge job to succeed",
            lambda: Job.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED,
            60,
            workers.logs,
        )
    invoice.refresh_from_db()
    attempt.refresh_from_db()
    assert (invoice.status, invoice.balance) == ("paid", 0)
    assert (attempt.status, ChargeAttempt.objects.count()) == ("succeeded", 1)
    (intent_id,) = intents(sim)
    (payment,) = Payment.objects.all()
    assert (payment.processor_transaction_id, payment.amount) == (intent_id, Decimal("120.0000"))
    assert Job.objects.get(pk=job.pk).attempts == 2


RACER = textwrap.dedent("""\
    import sys, time
    import django
    django.setup()
    from seatline.errors import SeatlineError
    from seatline.invoicing.models import Invoice
    from seatline.payments.charging import charge
    from seatline.payments.dunning import collect_invoice
    from seatline.payments.models import PaymentProfile
    from seatline.payments.services import record_payment
    mode, invoice_id, start = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    invoice = Invoice.objects.get(pk=invoice_id)
    while time.time() < start:
        time.sleep(0.001)
    try:
        if mode == "manual":
            record_payment(invoice=invoice, amount="70.00")
        elif mode == "charge":
            charge(invoice=invoice, profile=PaymentProfile.objects.get(account_id=invoice.account_id), amount="70.00")
        else:
            from seatline import clock
            collect_invoice(invoice_id=invoice_id, day=clock.today())
        print("ok")
    except SeatlineError as exc:
        print("refused", exc.code)
""")


def test_racing_payers_never_take_the_balance_below_zero(tmp_path, keyed, sim):
    require_postgres_database()
    import time

    invoice = auto_charged_invoice(sim)
    with transaction.atomic():
        run_day(day=clock.today())
    script = tmp_path / "racer.py"
    script.write_text(RACER)
    start = time.time() + 3
    with database_for_subprocesses(tmp_path) as url:
        env = subprocess_env(url, tmp_path)
        racers = [
            subprocess.Popen(
                [sys.executable, str(script), mode, str(invoice.pk), str(start)],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for mode in ("manual", "charge", "auto", "manual", "charge", "auto")
        ]
        outputs = [racer.communicate(timeout=120)[0].strip().splitlines()[-1] for racer in racers]
    invoice.refresh_from_db()
    paid = Payment.objects.filter(invoice=invoice).aggregate(total=Sum("amount"))["total"] or Decimal(0)
    assert invoice.balance >= 0, outputs
    assert invoice.balance == invoice.total - paid
    assert paid <= invoice.total
    assert outputs.count("ok") >= 2, outputs  # someone paid, the auto-charge ran
    assert set(outputs) <= {"ok", "refused payment_exceeds_balance", "refused invoice_not_payable"}, outputs
    stripe_charged = sum(
        Decimal(i["amount_received"] or 0) / 100 for i in intents(sim).values() if i["status"] == "succeeded"
    )
    charged = (
        Payment.objects.filter(invoice=invoice, processor="stripe").aggregate(total=Sum("amount"))["total"]
        or 0
    )
    assert stripe_charged == charged
    assert not ChargeAttempt.objects.filter(status__in=("started", "pending")).exists()
    assert Path(script).exists()
