# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from tests import billing_factories as factories

from seatline import clock
from seatline.invoicing.services import generate_regular_invoice
from seatline.invoicing.snapshots import tax_context
from seatline.taxes.countries import resolve_country
from seatline.taxes.models import CountryAlias, TaxCategory, TaxRate, TaxRateGroup

D = dt.date


@pytest.fixture
def california(db) -> TaxRateGroup:
    group = TaxRateGroup.objects.create(name="California", country="US", region="CA")
    TaxRate.objects.create(group=group, name="State", percent=Decimal("5"), position=1)
    TaxRate.objects.create(group=group, name="County", percent=Decimal("3"), position=2)
    country = TaxRateGroup.objects.create(name="US", country="US", region="")
    TaxRate.objects.create(group=country, name="Federal", percent=Decimal("1"))
    return group


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value", ["US", "us", "USA", "United States", "united states of america", " Amerika "]
)
def test_country_matches_codes_names_and_aliases(value):
    CountryAlias.objects.create(alias="amerika", country="US")
    assert resolve_country(value) == "US"


@pytest.mark.django_db
def test_unknown_country_is_none():
    assert resolve_country("Atlantis") is None
    assert resolve_country("") is None


@pytest.mark.django_db
def test_invoice_taxes_one_line_per_rate(california):
    contract = factories.contract(owner=factories.account(country="United States", region="ca"))
    with clock.frozen(D(2018, 1, 1)):
        factories.subscription(contract, start_date=D(2018, 1, 15))
    invoice = generate_regular_invoice(contract=contract, cycle_start=D(2018, 1, 1), run_date=D(2018, 1, 2))
    assert [(t.name, t.percent, t.amount) for t in invoice.taxes.all()] == [
        ("State", Decimal("5"), Decimal("15.29")),
        ("County", Decimal("3"), Decimal("9.17")),
    ]
    assert (invoice.subtotal, invoice.tax_total, invoice.total) == (
        Decimal("305.81"),
        Decimal("24.46"),
        Decimal("330.27"),
    )


@pytest.mark.django_db
def test_region_group_wins_over_country_group_and_falls_back_to_it(california):
    in_ca, _ = tax_context(factories.account(region="CA"))
    in_ny, _ = tax_context(factories.account(region="NY"))
    assert [r.name for r in in_ca.rates] == ["State", "County"]
    assert [r.name for r in in_ny.rates] == ["Federal"]


@pytest.mark.django_db
def test_exempt_account_and_categories(california):
    TaxCategory.objects.create(name="Exempt services", exempt=True)
    exempt, warnings = tax_context(factories.account(tax_exempt=True))
    assert (exempt.exempt, warnings) == (True, ())
    normal, _ = tax_context(factories.account())
    assert normal.exempt_categories == frozenset({"Exempt services"})


@pytest.mark.django_db
def test_unknown_country_gets_no_tax_and_a_warning(california):
    contract = factories.contract(owner=factories.account(country="Atlantis"))
    with clock.frozen(D(2018, 1, 1)):
        factories.subscription(contract)
    invoice = generate_regular_invoice(contract=contract, cycle_start=D(2018, 1, 1), run_date=D(2018, 1, 2))
    assert (invoice.tax_total, invoice.taxes.count()) == (0, 0)
    assert invoice.warnings == [
        "account 'Wingtip Toys': country 'Atlantis' matches no country; no tax applied"
    ]
