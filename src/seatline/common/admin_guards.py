# SPDX-License-Identifier: AGPL-3.0-or-later
"""Guardrails of every back-office form (`SeatlineAdmin`, its inlines and the action forms).

- A choice of a related row (select or autocomplete) that is not a key (text, a number past 64
  bits) is an invalid choice, never a database error, and is not looked up again on the redisplay.
- Whole numbers are bounded by their column (no integer overflow) and quantities by `MAX_QUANTITY`.
- A date typed or changed must lie within the configured window of years around today
  (`seatline.common.guards`); dates already stored are not re-judged.
- A database check constraint the form's values break is shown as a sentence on its field,
  never as the constraint's name.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from seatline.common.guards import check_date
from seatline.common.parsing import MAX_QUANTITY
from seatline.errors import SeatlineError

INT64 = 2**63 - 1
COLUMN_RANGES = {
    "SmallIntegerField": (-32768, 32767),
    "PositiveSmallIntegerField": (0, 32767),
    "IntegerField": (-(2**31), 2**31 - 1),
    "PositiveIntegerField": (0, 2**31 - 1),
    "BigIntegerField": (-(2**63), INT64),
    "PositiveBigIntegerField": (0, INT64),
}

# constraint name -> (the field it is about, what it means)
CONSTRAINT_MESSAGES: dict[str, tuple[str | None, str]] = {
    "product_window_needs_days": ("default_qrw_days", "A reduction window needs its length in days."),
    "price_not_negative": ("selling_price", "The selling price cannot be negative."),
    "cost_not_negative": ("cost", "The cost cannot be negative."),
    "contract_end_after_start": ("end_date", "The end date is before the start date."),
    "contract_offset_range": ("invoice_offset_days", "The invoice offset must be between -28 and 28 days."),
    "contract_discount_range": ("discount_percent", "The discount must be between 0 and 100 %."),
    "recurring_contract_has_frequency": ("frequency", "A recurring contract needs a billing frequency."),
    "commitment_not_negative": ("minimum_commitment", "The minimum commitment cannot be negative."),
    "subscription_quantity_not_negative": ("quantity", "The quantity cannot be negative."),
    "subscription_price_not_negative": ("price", "The price cannot be negative."),
    "subscription_window_needs_days": ("qrw_days", "A reduction window needs its length in days."),
    "slcl_changes_something": ("target_quantity", "Give a new quantity, a new price or both."),
    "nri_quantity_positive": ("quantity", "The quantity must be more than 0."),
    "usage_period_order": ("period_end", "The period ends before it starts."),
    "automatic_provider_needs_connector": ("connector", "An automatic provider needs a connector."),
    "accepted_agreement_has_date": ("executed_on", "An accepted agreement needs the date it was accepted."),
    "order_line_quantity_positive": ("quantity", "The quantity must be at least 1."),
    "order_line_price_not_negative": ("unit_price", "The unit price cannot be negative."),
    "payment_positive": ("amount", "The amount must be more than 0."),
    "tolerance_not_negative": ("usage_mismatch_tolerance", "The tolerance cannot be negative."),
    "provider_invoice_period_order": ("period_end", "The period ends before it starts."),
}
_CONSTRAINT = re.compile(r"Constraint “(?P<name>[^”]+)” is violated\.")


def _valid_key(field: forms.ModelChoiceField, value: Any) -> bool:
    model = field.queryset.model
    key = model._meta.get_field(field.to_field_name) if field.to_field_name else model._meta.pk
    if isinstance(value, models.Model):
        return True
    try:
        python = key.to_python(value)
    except (ValidationError, ValueError, TypeError, OverflowError):
        return False
    return not (isinstance(python, int) and not -INT64 - 1 <= python <= INT64)


class _GuardedChoice:
    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values and not _valid_key(self, value):  # type: ignore[attr-defined, arg-type]
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")  # type: ignore[attr-defined]
        return super().to_python(value)  # type: ignore[misc]

    def bound_data(self, data: Any, initial: Any) -> Any:
        # The redisplay of a refused form looks the typed keys up: only the valid ones.
        if isinstance(data, list | tuple):
            return [value for value in data if _valid_key(self, value)]  # type: ignore[arg-type]
        if data in self.empty_values or _valid_key(self, data):  # type: ignore[attr-defined, arg-type]
            return data
        return None


class _GuardedMultipleChoice(_GuardedChoice):
    def _check_values(self, value: Any) -> Any:
        for key in value:
            if not _valid_key(self, key):  # type: ignore[arg-type]
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],  # type: ignore[attr-defined]
                    code="invalid_pk_value",
                    params={"pk": key},
                )
        return super()._check_values(value)  # type: ignore[misc]


@cache
def _guarded_class(cls: type) -> type:
    mixin = _GuardedMultipleChoice if issubclass(cls, forms.ModelMultipleChoiceField) else _GuardedChoice
    return type(f"Guarded{cls.__name__}", (mixin, cls), {})


def guard_formfield(db_field: models.Field, formfield: forms.Field | None) -> forms.Field | None:
    """`formfield` (made by the admin for `db_field`) with the guards of this module."""
    if formfield is None:
        return None
    if isinstance(formfield, forms.ModelChoiceField):
        formfield.__class__ = _guarded_class(type(formfield))
    elif isinstance(formfield, forms.IntegerField) and not isinstance(formfield, forms.DecimalField):
        low, high = COLUMN_RANGES.get(db_field.get_internal_type(), (-(2**31), 2**31 - 1))
        if "quantity" in db_field.name:
            low, high = max(low, 0), MAX_QUANTITY
        bound_integer(formfield, low, high)
    return formfield


def bound_integer(formfield: forms.IntegerField, low: int, high: int) -> forms.IntegerField:
    """Add the bounds `low`..`high` to an integer form field (tighter ones it has stay)."""
    if formfield.max_value is None or formfield.max_value > high:
        formfield.max_value = high
        formfield.validators.append(MaxValueValidator(high))
        formfield.widget.attrs["max"] = high
    if formfield.min_value is None or formfield.min_value < low:
        formfield.min_value = low
        formfield.validators.append(MinValueValidator(low))
        formfield.widget.attrs["min"] = low
    return formfield


def check_form_dates(form: forms.BaseForm, names: Any) -> None:
    """An error on each date among `names` (the fields typed or changed) outside today's window."""
    for name in names:
        value = form.cleaned_data.get(name)
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date) and name not in form.errors:
            try:
                check_date(value, field=name, window=True, what="the date")
            except SeatlineError as error:
                form.add_error(name, error.message)


def readable(error: ValidationError, form: forms.BaseForm) -> ValidationError:
    """`error` with every 'Constraint “name” is violated.' said in words, on its field if shown."""
    if hasattr(error, "error_dict"):
        moved: dict[str, list[Any]] = {}
        for field, errors in error.error_dict.items():
            for item in errors:
                target, message = _sentence(item, form, field)
                moved.setdefault(target, []).append(message)
        return ValidationError(moved)
    return ValidationError([_sentence(item, form, NON_FIELD_ERRORS)[1] for item in error.error_list])


def _sentence(item: ValidationError, form: forms.BaseForm, field: str) -> tuple[str, Any]:
    text = " ".join(item.messages)
    match = _CONSTRAINT.search(text)
    if match is None:
        return field, item
    target, message = CONSTRAINT_MESSAGES.get(
        match["name"], (None, "These values are not allowed together; check the highlighted fields.")
    )
    if target is None or target not in form.fields:
        target = field
    return target, ValidationError(message, code="constraint")


class GuardedFormMixin:
    """Put in front of a ModelForm class (`SeatlineAdmin.get_form`, inline formsets): changed
    dates within the window before the form's own `clean` (which may call a service), constraint
    violations in words."""

    def _clean_form(self) -> None:
        form: Any = self
        dates = [name for name in form.changed_data if isinstance(form.fields.get(name), forms.DateField)]
        check_form_dates(form, dates)
        super()._clean_form()  # type: ignore[misc]

    def _update_errors(self, errors: ValidationError) -> None:
        super()._update_errors(readable(errors, self))  # type: ignore[misc, arg-type]


def guard_form(form: type) -> type:
    if issubclass(form, GuardedFormMixin):
        return form
    return type(form.__name__, (GuardedFormMixin, form), {"__module__": form.__module__})


class WindowDateField(forms.DateField):
    """A date typed into an action form: within today's window (`seatline.common.guards`)."""

    def validate(self, value: Any) -> None:
        super().validate(value)
        if isinstance(value, dt.date):
            try:
                check_date(value, field=None, window=True, what="the date")
            except SeatlineError as error:
                raise ValidationError(error.message, code="invalid_date") from error
