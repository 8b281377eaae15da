# SPDX-License-Identifier: AGPL-3.0-or-later
"""No float anywhere near money: no FloatField in any model, no float in the billing core."""

from __future__ import annotations

import ast
from pathlib import Path

from django.apps import apps
from django.db import models

import seatline

SRC = Path(seatline.__file__).parent


def test_no_model_has_a_float_field() -> None:
    offenders = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FloatField)
    ]
    assert offenders == []


CURRENCY_THROUGH = {
    "pricelistitem": "price_list",
    "scheduledlicensechangelog": "subscription",
    "invoiceline": "invoice",
    "invoicetax": "invoice",
    # a group's figures and a reconciled line's amount are in their reconciliation's currency
    "reconciliationgroup": "reconciliation",
    "reconciledline": "reconciliation",
}


def test_every_money_field_has_a_currency() -> None:
    for model in apps.get_models():
        if not model.__module__.startswith("seatline."):
            continue
        money = [
            field.name
            for field in model._meta.concrete_fields
            if isinstance(field, models.DecimalField) and (field.max_digits, field.decimal_places) == (19, 4)
        ]
        if not money:
            continue
        names = {field.name for field in model._meta.concrete_fields}
        via = CURRENCY_THROUGH.get(model._meta.model_name)
        if via is None:
            assert "currency" in names, f"{model._meta.label} has money fields {money} but no currency"
        else:
            related = model._meta.get_field(via).related_model
            assert "currency" in {field.name for field in related._meta.concrete_fields}


def test_the_billing_core_never_uses_float() -> None:
    for path in sorted((SRC / "core").glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id == "float":
                raise AssertionError(f"{path.name}:{node.lineno} uses float")
            if isinstance(node, ast.Constant) and isinstance(node.value, float):
                raise AssertionError(f"{path.name}:{node.lineno} has a float literal")
