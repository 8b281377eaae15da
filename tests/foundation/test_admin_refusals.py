# SPDX-License-Identifier: AGPL-3.0-or-later
"""Every back-office write goes through the services: a walk over every registered admin.

For every ModelAdmin: its list, add and change pages render; an add and a change with refusing
input, every bulk action and every service action (the buttons of `service_actions`) with a
refusing input leave the database exactly as it was (row counts and a hash of every row of every
Seatline, auth and admin-log table) and never answer 500. On top of the generic refusals (empty or
invalid forms), the inputs the forms accept but the services refuse are walked explicitly: a
contract whose cycle is invoiced keeps its terms, billed NRIs and invoiced usage are read-only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.forms import CheckboxInput
from django.test import Client
from django.urls import reverse

from seatline import clock, core
from seatline.api.models import ApiToken
from seatline.api.services import create_token, revoke_token
from seatline.catalog.models import Bundle, BundleItem, Product
from seatline.configuration.models import Configuration
from seatline.contracts.models import BillingContract, BillingSchedule
from seatline.customers.models import Account
from seatline.demo.data import load_demo_tenant
from seatline.documents.models import CompanyProfile
from seatline.documents.services import send_document, update_company_profile
from seatline.invoicing.models import Invoice
from seatline.invoicing.services import generate_manual_invoice
from seatline.jobs.models import Job
from seatline.notifications.models import EmailTemplate, OutgoingEmail
from seatline.payments.models import PaymentProcessor, PaymentProfile
from seatline.payments.services import record_payment
from seatline.portal.models import PortalUser
from seatline.portal.services import accept_invitation, invite_user, remove_user
from seatline.provider_invoices.models import ProviderInvoice, ProviderInvoiceSettings
from seatline.provider_invoices.services import deactivate_invoice, import_file, template_by_key
from seatline.providers.models import (
    Agreement,
    AgreementTemplate,
    Provider,
    ProviderAccount,
    ProviderCredential,
    SalesOrder,
    SalesOrderLine,
)
from seatline.reconciliation.models import MappingRule, ReconciledLine, Reconciliation, ReconciliationGroup
from seatline.reconciliation.services import deactivate_rule, ignore_lines, map_lines, reconcile_invoice
from seatline.subscriptions import services as subscription_services
from seatline.subscriptions.models import LicenseChangeLog, NonRecurringItem, Subscription, UsageRecord
from seatline.webhooks.models import WebhookDelivery, WebhookEndpoint
from seatline.webhooks.services import create_endpoint

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 2)
TABLES = frozenset(
    {"auth", "admin"} | {c.label for c in apps.get_app_configs() if c.name.startswith("seatline.")}
)


def snapshot() -> dict[str, tuple[int, str]]:
    """Row count and a hash of every row, per table of Seatline, auth and the admin log."""
    state = {}
    for model in apps.get_models():
        if model._meta.app_label in TABLES:
            rows = list(model._base_manager.order_by("pk").values_list())
            state[model._meta.label] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return state


@pytest.fixture(scope="module")
def walk_data(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The demo tenant and a row of every other model, loaded once for the module inside a
    transaction rolled back at its end (each test runs in a savepoint of it)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with clock.frozen(TODAY):
                load_demo_tenant(today=dt.date(2026, 11, 1), history_months=2)
                _complete_the_data()
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _complete_the_data() -> None:
    """Rows of the models the demo does not fill, so every change form is walked."""
    account = Account.objects.order_by("id").first()
    product = Product.objects.filter(kind="license").order_by("id").first()
    manual = Provider.objects.create(name="Walk manual vendor", type=Provider.Type.MANUAL)
    ProviderAccount.objects.create(provider=manual, account=account, provider_customer_id="walk-1")
    ProviderCredential.objects.create(
        provider=manual, key="walk:1", refresh_token="not-a-token", updated_at=clock.now()
    )
    template = AgreementTemplate.objects.create(name="Walk terms (inactive)", provider=manual, active=False)
    Agreement.objects.create(account=account, template=template)
    bundle = Bundle.objects.create(name="Walk bundle")
    BundleItem.objects.create(bundle=bundle, product=product)
    order = SalesOrder.objects.create(account=account, number="SO-WALK-1", currency=account.currency)
    SalesOrderLine.objects.create(
        order=order, product=product, quantity=1, unit_price=Decimal("10"), currency=account.currency
    )
    subscription = Subscription.objects.filter(status="active", kind="license").order_by("id").first()
    subscription_services.schedule_change(
        subscription=subscription, effective=TODAY + dt.timedelta(days=9), quantity=7
    )
    invoice = Invoice.objects.filter(status="billed", total__gt=0).order_by("id").first()
    record_payment(invoice=invoice, amount=Decimal("1.00"), date=TODAY)
    staff = get_user_model().objects.create_user("walk-integrator", is_staff=True)
    revoke_token(token=create_token(user=staff, name="Walk integration (revoked)").token)
    endpoint, _ = create_endpoint(
        name="Walk receiver (inactive)",
        url="http://127.0.0.1:9/hooks",
        event_types=["invoice.issued"],
        active=False,
    )
    create_endpoint(name="Walk receiver 2", url="http://127.0.0.1:9/other", event_types=["invoice.paid"])
    WebhookDelivery.objects.create(
        endpoint=endpoint, event_id="evt_walk", event_type="invoice.issued", body="{}"
    )
    walk_invoice = import_file(
        provider=manual,
        template=template_by_key("microsoft_nce_reconciliation"),
        number="G-WALK-1",
        period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 1, 31),
        total="0",
        override_tolerance="100000",
        file=Path(__file__).parents[1] / "acceptance" / "35-recon-jan.csv",
    )
    _reconcile_walk_invoice(walk_invoice, manual, account, product)
    deactivate_invoice(invoice=walk_invoice)  # deactivating it again is refused
    ProviderInvoiceSettings.objects.create(provider=manual, sync_enabled=False, currency="USD")
    update_company_profile(
        profile=CompanyProfile(pk=1, registration_id="HRB 1234"),
        legal_name="Walk Partner GmbH",
        address="Hauptstr. 1, 10115 Berlin",
        tax_id="DE123456789",
    )
    issued = Invoice.objects.filter(status="billed", total__gt=0).order_by("id").last()
    send_document(invoice=issued)  # queued: resending it now is refused
    config = Configuration.get()
    config.auto_issue_invoices = False
    config.save()
    later = BillingContract.objects.filter(type="recurring", status="active").order_by("id").first()
    far = core.cycle_containing(later.terms(), TODAY + dt.timedelta(days=800))
    generate_manual_invoice(contract=later, cycle_start=far.start)  # a draft: sending it is refused
    config.auto_issue_invoices = True
    config.save()
    stripe = PaymentProcessor.objects.create(
        kind=PaymentProcessor.Kind.STRIPE, name="Walk Stripe", api_key="sk_test_walk", currency="USD"
    )
    # Portal users: one who set a password (a new invitation is refused), one removed (again refused).
    joined = invite_user(account=account, email="walk-portal@example.test", role="admin", base_url="http://x")
    accept_invitation(secret=joined.url.rsplit("/", 2)[1], password="walk portal pass 1")
    removed = invite_user(
        account=account, email="walk-gone@example.test", role="billing", base_url="http://x"
    )
    remove_user(portal_user=removed.portal_user)
    _payment_rows(stripe, invoice)


def _payment_rows(processor: PaymentProcessor, paid: Invoice) -> None:
    """Payment profiles (active, pending without a hosted setup, inactive), a collection, a skipped
    charge attempt, a refund and a processor event (written here without a processor)."""
    from seatline.payments.models import ChargeAttempt, PaymentProfile, WebhookEvent
    from seatline.payments.profiles import set_contract_collection
    from seatline.payments.refunds import record_refund

    account = paid.account
    for status, token in (("active", "pm_walk"), ("pending", ""), ("inactive", "pm_old")):
        PaymentProfile.objects.create(
            account=account, processor=processor, customer_token="cus_walk", method_token=token, status=status
        )
    set_contract_collection(contract=paid.contract, auto_charge=False)
    ChargeAttempt.objects.create(
        invoice=paid, number=1, idempotency_key=f"skip:{paid.number}:1", trigger="auto",
        amount=paid.balance, currency=paid.currency, date=TODAY, status="skipped", code="no_payment_method",
    )  # fmt: skip
    from seatline.payments.models import CreditApplication, Dunning, ProfileRequest

    Dunning.objects.create(invoice=paid, account=account, charge_date=TODAY, status="done")
    CreditApplication.objects.create(
        source=paid, target=paid, amount=Decimal("0.01"), currency=paid.currency, date=TODAY
    )
    ProfileRequest.objects.create(
        profile=PaymentProfile.objects.get(status="pending"), nonce="walk-nonce", expires_at=clock.now()
    )
    payment = paid.payments.get()
    record_refund(payment=payment, amount=Decimal("0.50"), processor_refund_id="walk-refund-1", date=TODAY)
    WebhookEvent.objects.create(
        processor=processor, event_id="evt_walk", type="customer.created", kind="other",
        raw_body="{}", received_at=clock.now(), outcome="ignored",
    )  # fmt: skip


def _reconcile_walk_invoice(
    invoice: ProviderInvoice, provider: Provider, account: Account, product: Product
) -> None:
    """A reconciliation with a group (a line mapped to a subscription of the walk provider), an
    unmapped line, an ignored one and two mapping rules; deactivating the invoice afterwards makes
    every group action refuse (`provider_invoice_not_active`)."""
    contract = BillingContract.objects.filter(account=account, type="recurring").order_by("id").first()
    subscription = subscription_services.create_subscription(
        contract=contract, name="Walk reconciled seats", quantity=1, price=Decimal("5"),
        start_date=contract.start_date, provider=provider, product=product,
    )  # fmt: skip
    recon = reconcile_invoice(invoice=invoice)
    first, second, *_ = ReconciledLine.objects.filter(reconciliation=recon, outcome="").order_by(
        "line__row_number"
    )
    map_lines(lines=[first], subscription=subscription)
    (ignored,) = ignore_lines(lines=[second], reason="walk: not ours")
    deactivate_rule(rule=ignored)  # deactivating it again is refused


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    """The admin user of every test is created with a cheap hash (the walk is about the admin)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def client(walk_data: None, admin_client: Client) -> Iterator[Client]:
    with clock.frozen(TODAY):
        yield admin_client


def url(model: type[models.Model], view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def assert_refused(client: Client, path: str, data: dict[str, Any], *, expect: str | None = None) -> None:
    before = snapshot()
    response = client.post(path, data)
    assert response.status_code in (200, 302, 403), (path, response.status_code)
    if expect is not None:
        assert expect in response.content.decode(), (path, expect)
    after = snapshot()
    changed = sorted(label for label in before if before[label] != after[label])
    assert changed == [], (path, data, changed)


# -- every admin: pages render, empty add/change forms change nothing ---------------------------
ADMINS = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


@pytest.mark.parametrize(("model", "model_admin"), ADMINS, ids=[model._meta.label for model, _ in ADMINS])
def test_pages_render_and_refused_forms_change_nothing(client: Client, model: Any, model_admin: Any) -> None:
    assert client.get(url(model, "changelist"), follow=True).status_code == 200
    request = client.get(url(model, "changelist")).wsgi_request
    if model_admin.has_add_permission(request):
        assert client.get(url(model, "add")).status_code == 200
    assert_refused(client, url(model, "add"), {})
    instance = model._default_manager.order_by("pk").first()
    assert instance is not None, f"the walk has no {model._meta.label} row: add one to _complete_the_data"
    assert client.get(url(model, "change", instance.pk)).status_code == 200
    assert_refused(client, url(model, "change", instance.pk), {})
    assert client.get(url(model, "history", instance.pk)).status_code == 200


# -- every bulk action: refused without a selection, and with a selection it refuses ----------------
def _done_jobs() -> list[int]:
    return list(Job.objects.filter(status="succeeded").order_by("id").values_list("id", flat=True)[:3])


def _settled_change_logs() -> list[int]:
    return list(
        LicenseChangeLog.objects.exclude(provisioning_status__in=("awaiting", "failed"))
        .order_by("id")
        .values_list("id", flat=True)[:3]
    )


# action -> (rows it refuses, the extra POST data); None: no input of it is refused but the
# missing selection (running a schedule now is always allowed).
REFUSING_SELECTIONS: dict[str, tuple[Callable[[type[models.Model]], list[Any]], dict[str, str]] | None] = {
    # Without the confirmation ("post": "yes") a delete only asks.
    "delete_selected": (
        lambda model: list(model._default_manager.order_by("pk").values_list("pk", flat=True)[:2]),
        {},
    ),
    "cancel_selected": (lambda model: _done_jobs(), {}),
    # Reading only: without a selection it asks for one; with one it answers a CSV (tests/foundation/test_admin_csv.py).
    "export_csv": None,
    "retry_selected": (lambda model: _done_jobs(), {}),
    "mark_provisioned_selected": (lambda model: _settled_change_logs(), {}),
    "retry_provisioning_selected": (lambda model: _settled_change_logs(), {}),
    "run_now_selected": None,
    # Revoking a revoked token changes nothing; replaying to an inactive endpoint is refused.
    "revoke_selected": (
        lambda model: list(ApiToken.objects.filter(revoked_at__isnull=False).values_list("pk", flat=True)),
        {},
    ),
    # A new secret is shown once: one endpoint at a time.
    "rotate_selected": (
        lambda model: list(WebhookEndpoint.objects.order_by("pk").values_list("pk", flat=True)[:2]),
        {},
    ),
    # Restoring a template that has the shipped text writes nothing; a queued e-mail is not resent.
    "restore_selected": (
        lambda model: list(EmailTemplate.objects.order_by("pk").values_list("pk", flat=True)[:2]),
        {},
    ),
    "resend_selected": (
        lambda model: list(OutgoingEmail.objects.filter(status="queued").values_list("pk", flat=True)),
        {},
    ),
    # Mapping without a target and ignoring without a reason are refused (the form comes back).
    "map_selected": (
        lambda model: list(ReconciledLine.objects.filter(outcome="").values_list("pk", flat=True)[:2]),
        {"apply": "1"},
    ),
    "ignore_selected": (
        lambda model: list(ReconciledLine.objects.filter(outcome="").values_list("pk", flat=True)[:2]),
        {"apply": "1", "reason": " "},
    ),
    "replay_selected": (
        lambda model: list(
            WebhookDelivery.objects.filter(endpoint__active=False).values_list("pk", flat=True)
        ),
        {},
    ),
}


@pytest.mark.parametrize(("model", "model_admin"), ADMINS, ids=[model._meta.label for model, _ in ADMINS])
def test_every_bulk_action_refuses_without_changing_anything(
    client: Client, model: Any, model_admin: Any
) -> None:
    request = client.get(url(model, "changelist")).wsgi_request
    for name in model_admin.get_actions(request):
        assert name in REFUSING_SELECTIONS, f"add a refusing input for the action {name} to this walk"
        assert_refused(client, url(model, "changelist"), {"action": name, "index": "0"})
        case = REFUSING_SELECTIONS[name]
        if case is not None:
            rows, extra = case
            selected = [str(pk) for pk in rows(model)]
            assert selected, (model._meta.label, name)
            assert_refused(
                client, url(model, "changelist"), {"action": name, "_selected_action": selected, **extra}
            )


# -- every service action (button on a change form): its page renders, a refusing input changes nothing
def _first(model: type[models.Model], **filters: Any) -> Callable[[], models.Model]:
    return lambda: model._default_manager.filter(**filters).order_by("pk").first()


def _yesterday() -> str:
    return (TODAY - dt.timedelta(days=1)).isoformat()


def _walk_invoice() -> models.Model:
    from seatline.payments.models import ChargeAttempt

    return ChargeAttempt.objects.get(idempotency_key__startswith="skip:").invoice


# service action -> (the object, the refusing POST data, the error shown or None for an invalid form)
REFUSING_INPUTS: dict[str, tuple[Callable[[], models.Model], dict[str, str], str | None]] = {
    "change-quantity": (
        _first(Subscription, status="active", kind="license"),
        {"quantity": "0"},
        "invalid_quantity",
    ),
    "deactivate": (_first(Subscription, status="active"), {}, None),
    "activate": (_first(Subscription, status="active"), {}, "subscription_active"),
    "schedule-change": (
        _first(Subscription, status="active", kind="license"),
        {"effective": _yesterday(), "quantity": "3"},
        "invalid_date",
    ),
    "indexation": (
        _first(BillingContract, type="recurring"),
        {"percent": "-100", "apply": "1"},
        "invalid_percent",
    ),
    "generate-invoice": (_first(BillingContract, type="recurring"), {"cycle_start": "1999-01-01"}, None),
    "preview": (_first(BillingContract, type="recurring"), {}, None),
    "onboard": (_first(Account), {}, None),
    "mark-provisioned": (
        _first(LicenseChangeLog, provisioning_status="provisioned"),
        {"message": "by hand"},
        "not_awaiting_provisioning",
    ),
    "retry-provisioning": (
        _first(LicenseChangeLog, provisioning_status="provisioned"),
        {},
        "not_failed_provisioning",
    ),
    "retry-job": (_first(Job, status="succeeded"), {}, "invalid_job_transition"),
    "sync-accounts": (_first(Provider, type="manual"), {"apply": "1"}, None),
    "verify": (_first(Provider, type="manual"), {"apply": "1"}, None),
    "sync-subscriptions": (_first(ProviderAccount, provider__type="manual"), {"apply": "1"}, None),
    "create-agreements": (
        _first(AgreementTemplate, active=False),
        {"apply": "1"},
        "agreement_template_inactive",
    ),
    "provision": (_first(SalesOrder), {"frequency": "monthly", "policy": "nope"}, None),
    "deactivate-invoice": (_first(ProviderInvoice, state="inactive"), {}, "provider_invoice_not_active"),
    "redownload": (_first(ProviderInvoice, state="inactive"), {}, None),
    "send": (_first(Invoice, status="draft"), {}, "invoice_not_issued"),
    # The walk's provider invoice is deactivated: its reconciliation is only shown.
    "rerun": (_first(Reconciliation), {}, "provider_invoice_not_active"),
    "bill-missing": (_first(ReconciliationGroup), {}, "provider_invoice_not_active"),
    "credit-customer": (_first(ReconciliationGroup), {"reason": "walk"}, "provider_invoice_not_active"),
    "dismiss": (_first(ReconciliationGroup), {"reason": "walk"}, "provider_invoice_not_active"),
    "deactivate-rule": (_first(MappingRule, active=False), {}, "rule_inactive"),
    "resend": (_first(OutgoingEmail, status="queued"), {}, "email_not_finished"),
    "resend-invitation": (_first(PortalUser, accepted_at__isnull=False), {}, "invitation_accepted"),
    "remove-access": (_first(PortalUser, active=False), {}, "portal_user_removed"),
    "invite-portal-user": (
        _first(Account),
        {"email": "walk-portal@example.test", "role": "admin"},
        "portal_user_exists",
    ),
    "charge": (_walk_invoice, {"profile": "", "amount": "0"}, None),
    "refund": (_walk_invoice, {"amount": "999999"}, None),
    "add-payment-profile": (_first(Account), {}, None),
    "request-payment-method": (_first(Account), {}, None),
    "collection": (_first(BillingContract, type="recurring"), {"profile": "999999"}, None),
    "set-default": (_first(PaymentProfile, status="inactive"), {}, "profile_not_active"),
    "deactivate-profile": (_first(PaymentProfile, status="inactive"), {}, None),
    "complete-setup": (_first(PaymentProfile, status="pending"), {}, "profile_setup_missing"),
}


@pytest.mark.parametrize(("model", "model_admin"), ADMINS, ids=[model._meta.label for model, _ in ADMINS])
def test_every_service_action_refuses_without_changing_anything(
    client: Client, model: Any, model_admin: Any
) -> None:
    for name, _label, _method in getattr(model_admin, "service_actions", ()):
        assert name in REFUSING_INPUTS, f"add a refusing input for the service action {name} to this walk"
        obj, data, expect = REFUSING_INPUTS[name]
        target = obj()
        assert target is not None, name
        path = url(model, f"do_{name}", target.pk)
        assert client.get(path).status_code == 200
        assert_refused(client, path, data, expect=expect)


# -- inputs the forms accept and the services refuse ---------------------------------------------
def form_data(client: Client, path: str, **changes: Any) -> dict[str, Any]:
    """What a browser posts back for the change page at `path` (inline management forms included),
    with `changes` applied."""
    context = client.get(path).context
    form = context["adminform"].form
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field.widget, CheckboxInput):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[f"{formset.prefix}-{name}"] = formset.management_form[name].value()
        for index, inline_form in enumerate(formset.initial_forms):
            for name in inline_form.fields:
                value = inline_form[name].value()
                if value is not None:
                    data[f"{formset.prefix}-{index}-{name}"] = value
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def test_a_contract_with_an_invoiced_cycle_keeps_its_terms(client: Client) -> None:
    contract = BillingContract.objects.filter(
        schedules__status=BillingSchedule.Status.INVOICED, frequency="monthly"
    ).first()
    path = url(BillingContract, "change", contract.pk)
    for field, value in (
        ("frequency", "annual"),
        ("policy", "arrears" if contract.policy == "advance" else "advance"),
        ("start_date", (contract.start_date - dt.timedelta(days=1)).isoformat()),
        ("currency", "EUR" if contract.currency != "EUR" else "USD"),
        ("prorate_unit", "months" if contract.prorate_unit == "days" else "days"),
    ):
        assert_refused(
            client, path, form_data(client, path, **{field: value}), expect="contract_terms_locked"
        )
    # The same page with an allowed change saves it, through the service (the walk's control).
    before = contract.name
    response = client.post(path, form_data(client, path, name=f"{before} (renamed)"))
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.name == f"{before} (renamed)"


def test_a_new_contract_is_checked_by_the_service(client: Client) -> None:
    account = Account.objects.order_by("id").first()
    data = {
        "name": "Walk contract",
        "account": account.pk,
        "type": "recurring",
        "status": "active",
        "currency": "USD",
        "frequency": "monthly",
        "policy": "advance",
        "prorate_unit": "days",
        "start_date": "2026-11-10",
        "end_date": "2026-11-01",
        "payment_terms": "net30",
        "process_refunds": "use_global",
        "invoice_offset_days": "1",
        "discount_percent": "0",
        "minimum_commitment": "0",
        "schedules-TOTAL_FORMS": "0",
        "schedules-INITIAL_FORMS": "0",
    }
    assert_refused(client, url(BillingContract, "add"), data, expect="end date is before the start date")


@pytest.mark.parametrize(
    ("model", "data", "expect"),
    [
        (
            NonRecurringItem,
            {
                "description": "Setup",
                "quantity": "1",
                "unit_price": "100",
                "unit_cost": "0",
                "discount_percent": "150",
                "date": "2026-11-02",
            },
            "invalid_discount",
        ),
        (
            UsageRecord,
            {"cost": "10", "period_start": "2026-10-31", "period_end": "2026-10-01"},
            "invalid_date",
        ),
        (
            Subscription._meta.get_field("scheduled_changes").related_model,
            {"effective_date": "2026-11-01", "target_quantity": "4"},
            "invalid_date",
        ),
    ],
    ids=["nri", "usage", "scheduled_change"],
)
def test_added_records_are_refused_by_their_service(
    client: Client, model: Any, data: dict[str, str], expect: str
) -> None:
    subscription = Subscription.objects.filter(status="active", kind="license").order_by("id").first()
    owner = (
        {"contract": subscription.contract_id}
        if model is NonRecurringItem
        else {"subscription": subscription.pk}
    )
    assert_refused(client, url(model, "add"), {**owner, **data}, expect=expect)


def test_billed_nris_and_invoiced_usage_are_read_only(client: Client) -> None:
    nri = NonRecurringItem.objects.filter(status="billed").order_by("id").first()
    usage = UsageRecord.objects.filter(invoiced=True).order_by("id").first()
    for obj, changes in (
        (nri, {"status": "unbilled", "unit_price": "0"}),
        (usage, {"invoiced": "", "cost": "0"}),
    ):
        path = url(type(obj), "change", obj.pk)
        page = client.get(path)
        assert page.status_code == 200
        assert page.context["has_change_permission"] is False
        assert_refused(client, path, changes)
        assert client.post(path, changes).status_code == 403
