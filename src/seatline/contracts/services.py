# SPDX-License-Identifier: AGPL-3.0-or-later
"""Writes on billing contracts: creation and updates (the back office, orders, imports).

Every write validates the whole contract (`full_clean`) before saving, writes its audit record
(the model is audited field by field) and, when a date that decides the next invoice changed,
enqueues the `update_next_invoice_date` job in the same transaction (outbox).

Once a cycle of the contract is invoiced, the terms the invoices were computed from are locked:
frequency, billing policy, start date, currency and proration unit (`contract_terms_locked`).
Changing them would re-cut cycles that are already billed; a new contract is needed instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from seatline.audit.services import record
from seatline.common.guards import check_date
from seatline.contracts.models import BillingContract, BillingSchedule, ContractType
from seatline.errors import SeatlineError
from seatline.jobs.services import enqueue

LOCKED_TERMS = ("frequency", "policy", "start_date", "currency", "prorate_unit")
"""Terms that cannot change once a cycle is invoiced."""

EDITABLE_FIELDS = frozenset(
    {
        "name",
        "account",
        "status",
        "currency",
        "price_list",
        "primary_billing_contact",
        "frequency",
        "policy",
        "prorate_unit",
        "start_date",
        "end_date",
        "auto_renew",
        "renewal_term_months",
        "payment_terms",
        "invoice_offset_days",
        "change_log_invoices",
        "process_refunds",
        "discount_percent",
        "minimum_commitment",
        "no_automatic_indexation",
        "terminated_on",
        "auto_send",
    }
)
"""What `update_contract` may change (`type` is permanent, `next_invoice_date` is computed)."""

NEXT_INVOICE_DATE_INPUTS = frozenset(
    {"start_date", "end_date", "frequency", "invoice_offset_days", "auto_renew", "renewal_term_months"}
)


def create_contract(
    *,
    account: models.Model,
    name: str,
    start_date: dt.date,
    type: str = ContractType.RECURRING,
    frequency: str = "",
    policy: str = "advance",
    prorate_unit: str = "days",
    currency: str | None = None,
    end_date: dt.date | None = None,
    auto_renew: bool = False,
    renewal_term_months: int | None = None,
    payment_terms: str = "net30",
    process_refunds: str = "use_global",
    invoice_offset_days: int = 1,
    change_log_invoices: str = "",
    discount_percent: Decimal = Decimal(0),
    minimum_commitment: Decimal = Decimal(0),
    price_list: models.Model | None = None,
    primary_billing_contact: models.Model | None = None,
    no_automatic_indexation: bool = False,
    status: str = BillingContract.Status.ACTIVE,
    terminated_on: dt.date | None = None,
    auto_send: bool = False,
    audit_message: str = "",
) -> BillingContract:
    """A new billing contract of `account` (a `customers.Account`); its currency defaults to the
    account's. Its next invoice date is computed by the job enqueued here."""
    # Every parameter but audit_message, as given (this is the first statement: locals() holds them).
    contract = new_contract(**{name: value for name, value in locals().items() if name != "audit_message"})
    with transaction.atomic():
        contract.save()  # audited: the create record lists every field
        if audit_message:
            record(contract, "contract_created", message=audit_message)
        _enqueue_next_invoice_date(contract)
    return contract


def new_contract(
    *,
    account: models.Model,
    name: str,
    start_date: dt.date,
    type: str = ContractType.RECURRING,
    frequency: str = "",
    policy: str = "advance",
    prorate_unit: str = "days",
    currency: str | None = None,
    end_date: dt.date | None = None,
    auto_renew: bool = False,
    renewal_term_months: int | None = None,
    payment_terms: str = "net30",
    process_refunds: str = "use_global",
    invoice_offset_days: int = 1,
    change_log_invoices: str = "",
    discount_percent: Decimal = Decimal(0),
    minimum_commitment: Decimal = Decimal(0),
    price_list: models.Model | None = None,
    primary_billing_contact: models.Model | None = None,
    no_automatic_indexation: bool = False,
    status: str = BillingContract.Status.ACTIVE,
    terminated_on: dt.date | None = None,
    auto_send: bool = False,
) -> BillingContract:
    """The contract `create_contract` would save, validated and unsaved (a form checks its input
    with it before anything is written)."""
    contract = BillingContract(
        account=account,
        name=name,
        type=type,
        frequency=frequency,
        policy=policy,
        prorate_unit=prorate_unit,
        currency=currency or getattr(account, "currency", "") or "USD",
        start_date=start_date,
        end_date=end_date,
        auto_renew=auto_renew,
        renewal_term_months=renewal_term_months,
        payment_terms=payment_terms,
        process_refunds=process_refunds,
        invoice_offset_days=invoice_offset_days,
        change_log_invoices=change_log_invoices,
        discount_percent=discount_percent,
        minimum_commitment=minimum_commitment,
        price_list=price_list,
        primary_billing_contact=primary_billing_contact,
        no_automatic_indexation=no_automatic_indexation,
        status=status,
        terminated_on=terminated_on,
        auto_send=auto_send,
    )
    _validate(contract)
    _check_dates(contract, {"start_date", "end_date", "terminated_on"})
    return contract


def update_contract(*, contract: BillingContract, changes: Mapping[str, Any]) -> BillingContract:
    """Apply `changes` (field name -> new value) to `contract`, all or nothing.

    Refused (nothing changed): see `check_changes`.
    """
    with transaction.atomic():
        locked = BillingContract.objects.select_for_update().get(pk=contract.pk)
        changed = check_changes(contract=locked, changes=changes)
        if changed:
            for name, value in changed.items():
                setattr(locked, name, value)
            locked.save()  # audited: the update record lists the changed fields
            if NEXT_INVOICE_DATE_INPUTS & set(changed):
                _enqueue_next_invoice_date(locked)
    contract.refresh_from_db()
    return contract


def check_changes(*, contract: BillingContract, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The changes that differ from `contract`, if `update_contract` would accept them; writes nothing.

    Refused: a field that is not editable (`invalid_field`), invalid values (`invalid_contract`,
    naming the field), and a change of a locked term once a cycle is invoiced
    (`contract_terms_locked`).
    """
    unknown = sorted(set(changes) - EDITABLE_FIELDS)
    if unknown:
        raise SeatlineError(
            "invalid_field", f"{unknown[0]} cannot be changed on a billing contract", field=unknown[0]
        )
    changed = {
        name: value
        for name, value in changes.items()
        if _value(contract, name) != _raw(value, contract, name)
    }
    terms = [name for name in LOCKED_TERMS if name in changed]
    if terms and is_invoiced(contract):
        raise SeatlineError(
            "contract_terms_locked",
            f"the {terms[0].replace('_', ' ')} of {contract} cannot change: a billing cycle is already "
            "invoiced (create a new contract for new terms)",
            field=terms[0],
        )
    if changed:
        candidate = BillingContract.objects.get(pk=contract.pk)
        for name, value in changed.items():
            setattr(candidate, name, value)
        _validate(candidate)
        _check_dates(candidate, set(changed))
    return changed


def is_invoiced(contract: BillingContract) -> bool:
    """Whether any cycle of the contract is invoiced (its terms are then locked)."""
    return BillingSchedule.objects.filter(contract=contract, status=BillingSchedule.Status.INVOICED).exists()


def _value(contract: BillingContract, name: str) -> Any:
    field = contract._meta.get_field(name)
    return getattr(contract, field.attname)


def _raw(value: Any, contract: BillingContract, name: str) -> Any:
    """The value as stored (a related object as its primary key) for the comparison."""
    field = contract._meta.get_field(name)
    if field.is_relation and isinstance(value, models.Model):
        return value.pk
    return value


def _validate(contract: BillingContract) -> None:
    try:
        contract.full_clean(exclude=["next_invoice_date"])
    except ValidationError as exc:
        errors = exc.message_dict
        field = next(iter(errors))
        message = "; ".join(errors[field])
        raise SeatlineError("invalid_contract", message, field=None if field == "__all__" else field) from exc


def _check_dates(contract: BillingContract, names: set[str]) -> None:
    """`invalid_date` when a date given is out of the sane bounds (a contract from 1900 would
    offer a century of cycles to generate)."""
    for name in ("start_date", "end_date", "terminated_on"):
        value = getattr(contract, name)
        if name in names and value is not None:
            check_date(value, field=name, what=f"the {name.replace('_', ' ')}")


def _enqueue_next_invoice_date(contract: BillingContract) -> None:
    # The dates that decide the next invoice changed: the invoicing app recomputes it (a job).
    enqueue(
        "update_next_invoice_date",
        parameters={"contract_id": contract.pk},
        related=contract,
        dedupe_key=f"next-invoice-date:{contract.pk}",
    )
