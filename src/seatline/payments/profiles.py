# SPDX-License-Identifier: AGPL-3.0-or-later
"""Payment profiles: an account's payment methods at its processors (tokens only).

A profile is `pending` until the processor has a payment method for it (direct entry, a hosted
flow or a profile request completed), then `active`; `inactive` ones are never charged. At most
one profile per account is its default; a contract may name its own (`ContractCollection`).
"""

from __future__ import annotations

from django.db import transaction

from seatline.audit.services import record
from seatline.connectors.payments import (
    CustomerRequest,
    PaymentMethod,
    PaymentMethodKind,
    PaymentSource,
    SetupRequest,
    SetupSession,
    SetupStatus,
)
from seatline.contracts.models import BillingContract
from seatline.customers.models import Account
from seatline.errors import SeatlineError
from seatline.invoicing.models import Invoice
from seatline.payments.connections import connector
from seatline.payments.models import ContractCollection, PaymentProcessor, PaymentProfile

KINDS = {
    PaymentMethodKind.CARD: PaymentProfile.Kind.CARD,
    PaymentMethodKind.BANK_DEBIT: PaymentProfile.Kind.BANK_DEBIT,
}


def customer_token(account: Account, processor: PaymentProcessor) -> str:
    """The processor customer of `account` (reused from its other profiles there, else created)."""
    known = (
        PaymentProfile.objects.filter(account=account, processor=processor)
        .exclude(customer_token="")
        .values_list("customer_token", flat=True)
        .first()
    )
    if known:
        return known
    email = account.contacts.filter(is_primary=True).exclude(email="").values_list("email", flat=True).first()
    customer = connector(processor).create_customer(
        CustomerRequest(
            name=account.name, email=email or "", reference=str(account.pk), country=account.country[:2]
        )
    )
    return customer.id


def check_processor(account: Account, processor: PaymentProcessor) -> None:
    if not processor.active:
        raise SeatlineError("processor_inactive", f"{processor.name} is inactive", field="processor")
    if processor.currency != account.currency:
        raise SeatlineError(
            "currency_mismatch",
            f"{processor.name} charges {processor.currency}, the account bills in {account.currency}",
            field="processor",
        )


def activate_profile(
    profile: PaymentProfile, method: PaymentMethod, *, make_default: bool | None
) -> PaymentProfile:
    """The processor has `method` for `profile`: store its token, make it active."""
    with transaction.atomic():
        locked = PaymentProfile.objects.select_for_update().get(pk=profile.pk)
        if locked.status == PaymentProfile.Status.ACTIVE and locked.method_token == method.token:
            return locked
        locked.method_token = method.token
        locked.customer_token = method.customer_id or locked.customer_token
        locked.kind = KINDS.get(method.kind, PaymentProfile.Kind.CARD)
        locked.label = method.label[:100]
        locked.status = PaymentProfile.Status.ACTIVE
        locked.save()
        record(locked, "payment_profile_activated", message=f"{locked.label} at {locked.processor.name}")
        has_default = PaymentProfile.objects.filter(account_id=locked.account_id, is_default=True).exists()
        if make_default or (make_default is None and not has_default):
            set_default(profile=locked)
            locked.refresh_from_db()
    return locked


def add_profile(
    *,
    account: Account,
    processor: PaymentProcessor,
    source: PaymentSource,
    make_default: bool | None = None,
) -> PaymentProfile:
    """Direct entry: save `source` (a processor token or bank details, sent to the processor and
    never stored) as an active profile. The account's first profile becomes its default."""
    check_processor(account, processor)
    customer = customer_token(account, processor)
    method = connector(processor).add_payment_method(customer, source)
    profile = PaymentProfile.objects.create(account=account, processor=processor, customer_token=customer)
    return activate_profile(profile, method, make_default=make_default)


def start_profile_setup(
    *, account: Account, processor: PaymentProcessor, return_url: str, kind: str = PaymentProfile.Kind.CARD
) -> tuple[PaymentProfile, SetupSession]:
    """A pending profile and the processor's hosted flow that completes it (`complete_profile_setup`)."""
    check_processor(account, processor)
    customer = customer_token(account, processor)
    session = connector(processor).start_setup(
        SetupRequest(
            customer_id=customer,
            return_url=return_url,
            cancel_url=return_url,
            currency=account.currency,
            kind=PaymentMethodKind.BANK_DEBIT
            if kind == PaymentProfile.Kind.BANK_DEBIT
            else PaymentMethodKind.CARD,
        )
    )
    with transaction.atomic():
        profile = PaymentProfile.objects.create(
            account=account, processor=processor, customer_token=customer, setup_token=session.id, kind=kind
        )
        record(profile, "payment_profile_requested", message=f"hosted setup {session.id} at {processor.name}")
    return profile, session


def complete_profile_setup(*, profile: PaymentProfile) -> PaymentProfile:
    """Ask the processor whether the hosted flow finished; activate the profile when it did.

    Refusals: `profile_setup_open` (the customer has not finished), `profile_setup_failed`.
    """
    if profile.status == PaymentProfile.Status.ACTIVE:
        return profile
    if not profile.setup_token:
        raise SeatlineError(
            "profile_setup_missing", "this profile has no hosted setup to complete", field="profile"
        )
    session = connector(profile.processor).get_setup(profile.setup_token)
    if session.status == SetupStatus.OPEN or (
        session.status == SetupStatus.SUCCEEDED and session.payment_method is None
    ):
        raise SeatlineError(
            "profile_setup_open", "the customer has not completed the setup yet", field="profile"
        )
    if session.status == SetupStatus.FAILED:
        raise SeatlineError(
            "profile_setup_failed", "the processor reports the setup failed or expired", field="profile"
        )
    assert session.payment_method is not None
    return activate_profile(profile, session.payment_method, make_default=None)


def set_default(*, profile: PaymentProfile) -> PaymentProfile:
    """Make `profile` (active) its account's only default."""
    with transaction.atomic():
        Account.objects.select_for_update().get(pk=profile.account_id)
        locked = PaymentProfile.objects.select_for_update().get(pk=profile.pk)
        if locked.status != PaymentProfile.Status.ACTIVE:
            raise SeatlineError("profile_not_active", f"{locked} is {locked.status}", field="profile")
        if locked.is_default:
            return locked
        for other in PaymentProfile.objects.filter(account_id=locked.account_id, is_default=True):
            other.is_default = False
            other.save(update_fields=["is_default", "updated_at"])
        locked.is_default = True
        locked.save(update_fields=["is_default", "updated_at"])
        record(
            locked,
            "payment_profile_default",
            message=f"{locked} is the default of account {locked.account_id}",
        )
    return locked


def deactivate_profile(*, profile: PaymentProfile) -> PaymentProfile:
    """Never charged again; no longer the default (another active one becomes it, the newest)."""
    with transaction.atomic():
        Account.objects.select_for_update().get(pk=profile.account_id)
        locked = PaymentProfile.objects.select_for_update().get(pk=profile.pk)
        if locked.status == PaymentProfile.Status.INACTIVE:
            return locked
        was_default = locked.is_default
        locked.status = PaymentProfile.Status.INACTIVE
        locked.is_default = False
        locked.save(update_fields=["status", "is_default", "updated_at"])
        record(locked, "payment_profile_deactivated", message=str(locked))
        if was_default:
            successor = (
                PaymentProfile.objects.filter(
                    account_id=locked.account_id, status=PaymentProfile.Status.ACTIVE
                )
                .order_by("-id")
                .first()
            )
            if successor is not None:
                set_default(profile=successor)
    return locked


def set_contract_collection(
    *, contract: BillingContract, auto_charge: bool, profile: PaymentProfile | None = None
) -> ContractCollection:
    """The contract's auto-charge switch and its own profile (empty: the account's default)."""
    if profile is not None and profile.account_id != contract.account_id:
        raise SeatlineError(
            "profile_of_other_account", f"{profile} belongs to another account", field="profile"
        )
    if profile is not None and profile.status == PaymentProfile.Status.INACTIVE:
        raise SeatlineError("profile_not_active", f"{profile} is inactive", field="profile")
    with transaction.atomic():
        row, _ = ContractCollection.objects.get_or_create(contract=contract)
        row.auto_charge = auto_charge
        row.profile = profile
        row.save()
    return row


def profile_for(invoice: Invoice) -> PaymentProfile | None:
    """The usable (active, processor active, same currency) profile charging `invoice`: the
    contract's own, else the account's default."""
    candidates: list[PaymentProfile | None] = []
    collection = (
        ContractCollection.objects.filter(contract_id=invoice.contract_id).select_related("profile").first()
    )
    if collection is not None and collection.profile is not None:
        candidates.append(collection.profile)
    candidates.append(
        PaymentProfile.objects.filter(account_id=invoice.account_id, is_default=True)
        .select_related("processor")
        .first()
    )
    for profile in candidates:
        if (
            profile is not None
            and profile.status == PaymentProfile.Status.ACTIVE
            and profile.processor.active
            and profile.processor.currency == invoice.currency
        ):
            return profile
    return None
