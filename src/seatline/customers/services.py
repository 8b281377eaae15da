# SPDX-License-Identifier: AGPL-3.0-or-later
"""Writes on accounts and contacts (the API and, later, the portal; the back office edits them
through its model forms, which run the same model validation).

Keyword-only, one transaction, audited (the models are `AuditedModel`s: every save records its
changes). Bad input raises `SeatlineError(invalid_<field>)` and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from seatline.customers.models import Account, Contact
from seatline.errors import SeatlineError

ACCOUNT_FIELDS = frozenset(
    {
        "name",
        "email_domain",
        "address_line1",
        "address_line2",
        "city",
        "postal_code",
        "country",
        "region",
        "tax_exempt",
        "credit_hold",
        "currency",
        "parent",
        "active",
    }
)
CONTACT_FIELDS = frozenset({"first_name", "last_name", "email", "phone", "role", "is_primary"})


def _refuse_invalid(instance: Account | Contact) -> None:
    """Model validation (field lengths, choices, currency codes) as a SeatlineError on the first field."""
    try:
        instance.full_clean(
            exclude=["created_at", "updated_at"], validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        errors = exc.message_dict
        field = sorted(errors)[0]
        name = None if field == "__all__" else field
        raise SeatlineError(f"invalid_{name or 'input'}", "; ".join(errors[field]), field=name) from exc


def _apply(instance: Account | Contact, allowed: frozenset[str], values: dict[str, Any]) -> list[str]:
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise SeatlineError("invalid_field", f"unknown field(s): {', '.join(unknown)}", field=unknown[0])
    changed = []
    for name, value in values.items():
        if isinstance(value, str):
            value = value.strip()
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed


def _check_parent(account: Account) -> None:
    parent = account.parent
    seen = {account.pk} if account.pk else set()
    while parent is not None:
        if parent.pk in seen:
            raise SeatlineError(
                "invalid_parent",
                f"{parent} cannot be the parent: accounts would contain each other",
                field="parent",
            )
        seen.add(parent.pk)
        parent = parent.parent


def create_account(*, name: str, **details: Any) -> Account:
    """A new account (currency default USD)."""
    account = Account()
    _apply(account, ACCOUNT_FIELDS, {"name": name, **details})
    if not account.name:
        raise SeatlineError("invalid_name", "an account needs a name", field="name")
    _refuse_invalid(account)
    _check_parent(account)
    with transaction.atomic():
        account.save()
    return account


def update_account(*, account: Account, **changes: Any) -> Account:
    """Change the given fields of an account; nothing else."""
    with transaction.atomic():
        locked = Account.objects.select_for_update().get(pk=account.pk)
        changed = _apply(locked, ACCOUNT_FIELDS, changes)
        if not changed:
            return locked
        if not locked.name:
            raise SeatlineError("invalid_name", "an account needs a name", field="name")
        _refuse_invalid(locked)
        _check_parent(locked)
        locked.save()
    return locked


def _unset_other_primary(contact: Contact) -> None:
    for other in (
        Contact.objects.select_for_update()
        .filter(account_id=contact.account_id, is_primary=True)
        .exclude(pk=contact.pk)
    ):
        other.is_primary = False
        other.save(update_fields=["is_primary", "updated_at"])


def create_contact(
    *, account: Account, first_name: str, last_name: str, email: str, **details: Any
) -> Contact:
    """A contact of `account`; `is_primary=True` makes it the account's one primary billing contact."""
    contact = Contact(account=account)
    _apply(
        contact, CONTACT_FIELDS, {"first_name": first_name, "last_name": last_name, "email": email, **details}
    )
    _refuse_invalid(contact)
    with transaction.atomic():
        Account.objects.select_for_update().filter(pk=account.pk).first()
        if contact.is_primary:
            _unset_other_primary(contact)
        contact.save()
    return contact


def update_contact(*, contact: Contact, **changes: Any) -> Contact:
    with transaction.atomic():
        Account.objects.select_for_update().filter(pk=contact.account_id).first()
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        changed = _apply(locked, CONTACT_FIELDS, changes)
        if not changed:
            return locked
        _refuse_invalid(locked)
        if locked.is_primary:
            _unset_other_primary(locked)
        locked.save()
    return locked
