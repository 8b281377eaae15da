# SPDX-License-Identifier: AGPL-3.0-or-later
"""Hostile input on every back-office form: no 500, nothing saved, no raw constraint names.

Builds on the admin walk (`test_admin_refusals`: its data, client and snapshot). For every admin's
add page, the change page of its first row (inline rows included) and every service action's page,
each field is posted in turn with hostile values, the rest of the form as a browser would post it:
huge numbers (integer overflow), non-numbers, negative and too many seats, empty required
fields, far dates, NUL characters and over-long text, unknown choices and huge primary keys. Every answer must be a page (never a 500) that does not show a database constraint
name, and the database must be exactly as it was.
"""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.test import Client

from tests.foundation import test_admin_refusals as walk
from tests.foundation.test_admin_refusals import ADMINS, REFUSING_INPUTS, form_data, snapshot, url

# The walk's fixtures: its data loaded once for the module, an admin client at its date.
walk_data = walk.walk_data
client = walk.client
_fast_passwords = walk._fast_passwords

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"
NUMBERS = (HUGE, "数")
DATES = ("1900-01-01", "9999-12-31")
CHOICES = ("数", HUGE)
RAW_CONSTRAINT = ("Constraint “", "violates", "IntegrityError", "UNIQUE constraint failed")


def hostile_values(field: forms.Field) -> tuple[str, ...]:
    """The values a hostile or careless user types into `field`, none of which may be saved."""
    values: tuple[str, ...] = ("",) if field.required else ()
    if isinstance(field, forms.BooleanField | forms.FileField):
        return ()
    if isinstance(field, forms.SplitDateTimeField):
        return values
    if isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        return values + NUMBERS
    if isinstance(field, forms.DateField | forms.DateTimeField):
        return values + DATES
    if isinstance(field, forms.ModelChoiceField | forms.ChoiceField):
        return values + CHOICES
    if isinstance(field, forms.CharField):
        long = ("x" * (field.max_length + 1),) if field.max_length else ()
        return values + ("nul\x00byte", *long)
    return values


def assert_never_saved(client: Client, path: str, posts: list[tuple[str, str, dict[str, Any]]]) -> None:
    """Post every variant; all problems are listed at once (field, value, what went wrong)."""
    client.raise_request_exception = False
    problems: list[tuple[str, str, Any]] = []
    before = snapshot()
    for name, value, data in posts:
        response = client.post(path, data)
        if response.status_code == 302:  # a refused form is shown again; a redirect is a success
            problems.append((name, value, "accepted"))
        elif response.status_code not in (200, 403):
            problems.append((name, value, response.status_code))
        elif response.status_code == 200 and any(raw in response.content.decode() for raw in RAW_CONSTRAINT):
            problems.append((name, value, "shows a raw constraint"))
    after = snapshot()
    changed = sorted(label for label in before if before[label] != after[label])
    assert (problems, changed) == ([], []), path


def variants(
    base: dict[str, Any], fields: dict[str, forms.Field], *, extra: dict[str, str]
) -> list[tuple[str, str, dict[str, Any]]]:
    posts = []
    for name, field in fields.items():
        if field.disabled:
            continue
        for value in hostile_values(field):
            if isinstance(field.widget, forms.SplitDateTimeWidget):
                posts.append((name, value, {**base, f"{name}_0": value, f"{name}_1": value, **extra}))
            else:
                posts.append((name, value, {**base, name: value, **extra}))
        if "quantity" in name and isinstance(field, forms.IntegerField):
            posts += [(name, value, {**base, name: value, **extra}) for value in ("1000001", "-1")]
    return posts


def browser_post(client: Client, path: str) -> tuple[dict[str, Any], dict[str, forms.Field]]:
    """What a browser posts back for the page at `path` (no file is re-sent), and its fields."""
    fields = page_fields(client, path)
    data = form_data(client, path)
    return {k: v for k, v in data.items() if not isinstance(fields.get(k), forms.FileField)}, fields


def page_fields(client: Client, path: str) -> dict[str, forms.Field]:
    """The fields of the admin form and of the existing inline rows at `path` (by POST name)."""
    context = client.get(path).context
    fields = dict(context["adminform"].form.fields)
    for inline in context["inline_admin_formsets"]:
        if not inline.has_change_permission:
            continue  # a read-only inline ignores what is posted for it
        for inline_form in inline.formset.initial_forms[:1]:  # the first row: the others are alike
            for name, field in inline_form.fields.items():
                fields[f"{inline.formset.prefix}-0-{name}"] = field
    return fields


@pytest.mark.parametrize(("model", "model_admin"), ADMINS, ids=[model._meta.label for model, _ in ADMINS])
def test_hostile_input_on_every_admin_form_saves_nothing(
    client: Client, model: Any, model_admin: Any
) -> None:
    request = client.get(url(model, "changelist")).wsgi_request
    if model_admin.has_add_permission(request):
        path = url(model, "add")
        assert_never_saved(client, path, variants(*browser_post(client, path), extra={}))
    instance = model._default_manager.order_by("pk").first()
    if model_admin.has_change_permission(request, instance):
        path = url(model, "change", instance.pk)
        assert_never_saved(client, path, variants(*browser_post(client, path), extra={}))


@pytest.mark.parametrize(("model", "model_admin"), ADMINS, ids=[model._meta.label for model, _ in ADMINS])
def test_hostile_input_on_every_service_action_saves_nothing(
    client: Client, model: Any, model_admin: Any
) -> None:
    for name, _label, _method in getattr(model_admin, "service_actions", ()):
        target = REFUSING_INPUTS[name][0]()
        path = url(model, f"do_{name}", target.pk)
        form = client.get(path).context.get("form")
        if form is None:
            continue
        base = {key: value for key in form.fields if (value := form[key].value()) not in (None, "")}
        base = {
            key: (value.isoformat() if hasattr(value, "isoformat") else value) for key, value in base.items()
        }
        assert_never_saved(client, path, variants(base, dict(form.fields), extra={"apply": "1"}))
