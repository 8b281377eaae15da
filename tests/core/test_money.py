# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

import ast
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

import seatline.core
from seatline.core import minor_units, quantize, to_fraction

CORE = Path(seatline.core.__file__).parent


def test_minor_units_come_from_babel() -> None:
    assert (minor_units("USD"), minor_units("JPY"), minor_units("KWD"), minor_units("eur")) == (2, 0, 3, 2)


def test_quantize_half_up_usd() -> None:
    assert quantize(Decimal("2.675"), "USD") == Decimal("2.68")
    assert quantize(Decimal("2.674999"), "USD") == Decimal("2.67")
    assert quantize(Fraction(1, 200), "USD") == Decimal("0.01")
    assert quantize(Fraction(1, 201), "USD") == Decimal("0.00")
    assert str(quantize(0, "USD")) == "0.00"
    assert str(quantize(12, "USD")) == "12.00"


def test_quantize_negative_rounds_away_from_zero() -> None:
    assert quantize(Decimal("-2.675"), "USD") == Decimal("-2.68")
    assert quantize(Fraction(-1, 200), "USD") == Decimal("-0.01")
    assert quantize(Fraction(-1, 201), "USD") == Decimal("0.00")
    assert str(quantize(Fraction(-1, 201), "USD")) == "0.00"


def test_quantize_is_exact_where_decimal_division_is_not() -> None:
    # 1.515 * 10/30 = 0.505 exactly: rounds up to 0.51
    assert quantize(to_fraction(Decimal("1.515")) * Fraction(10, 30), "USD") == Decimal("0.51")


def test_quantize_jpy_and_kwd() -> None:
    assert str(quantize(Decimal("1234.5"), "JPY")) == "1235"
    assert str(quantize(Decimal("-1234.5"), "JPY")) == "-1235"
    assert str(quantize(Decimal("1234.49"), "JPY")) == "1234"
    assert str(quantize(Fraction(1, 2000), "KWD")) == "0.001"
    assert str(quantize(Decimal("12.3454"), "KWD")) == "12.345"
    assert str(quantize(Decimal("12.3455"), "KWD")) == "12.346"


def test_to_fraction_is_exact_and_refuses_binary_numbers() -> None:
    assert to_fraction(Decimal("0.1")) == Fraction(1, 10)
    assert to_fraction(3) == Fraction(3)
    with pytest.raises(TypeError):
        to_fraction(0.1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        to_fraction(True)
    with pytest.raises(ValueError):
        to_fraction(Decimal("NaN"))


def test_core_never_uses_binary_floating_point_nor_django() -> None:
    for path in sorted(CORE.glob("*.py")):
        text = path.read_text()
        assert "float" not in text.lower(), path.name
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert not any(alias.name.split(".")[0] == "django" for alias in node.names), path.name
            if isinstance(node, ast.ImportFrom):
                assert (node.module or "").split(".")[0] != "django", path.name
            if isinstance(node, ast.Constant):
                assert not isinstance(node.value, complex | float), (path.name, node.value)
    assert len(list(CORE.glob("*.py"))) >= 10


def test_core_modules_are_small() -> None:
    for path in CORE.glob("*.py"):
        assert len(path.read_text().splitlines()) < 400, path.name
