# SPDX-License-Identifier: AGPL-3.0-or-later
"""Scenario files are validated strictly: every error names the key and the line."""

from __future__ import annotations

import datetime as dt
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from seatline.simulate.events import AddNri, ChangeQuantity, Pay
from seatline.simulate.schema import ScenarioError, load_scenario, parse_scenario

ACCEPTANCE = Path(__file__).resolve().parents[1] / "acceptance"

BASE = """\
settings: {generate_refunds: true}
accounts:
  - {id: wingtip, name: Wingtip Toys, country: US}
contracts:
  - id: wt-csp
    account: wingtip
    type: recurring
    frequency: quarterly
    start: 2018-01-01
subscriptions:
  - {id: o365, contract: wt-csp, product: Office 365, quantity: 10, price: "12.00", start: 2018-01-15}
run: {from: 2018-01-01, to: 2018-12-31}
"""


def parse(text: str):  # type: ignore[no-untyped-def]
    return parse_scenario(textwrap.dedent(text))


def error_of(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        parse(text)
    return info.value


def test_a_valid_file_gives_frozen_dataclasses():
    scenario = parse(BASE)
    assert scenario.run.start == dt.date(2018, 1, 1)
    assert scenario.run.end == dt.date(2018, 12, 31)
    assert scenario.settings.generate_refunds is True
    assert scenario.currency == "USD"
    (contract,) = scenario.contracts
    assert (contract.id, contract.account, contract.frequency, contract.policy) == (
        "wt-csp",
        "wingtip",
        "quarterly",
        "advance",
    )
    assert contract.change_log_invoices is None
    (subscription,) = scenario.subscriptions
    assert subscription.price == Decimal("12.00")
    assert subscription.quantity == 10
    assert subscription.start == dt.date(2018, 1, 15)
    with pytest.raises(AttributeError):
        subscription.quantity = 3  # type: ignore[misc]


@pytest.mark.parametrize("path", sorted(ACCEPTANCE.glob("*.yaml")), ids=lambda path: path.name)
def test_the_acceptance_files_are_valid(path):
    assert load_scenario(path).run.start <= load_scenario(path).run.end


def test_unknown_key_names_the_key_and_line():
    error = error_of(
        BASE.replace("    frequency: quarterly\n", "    frequency: quarterly\n    frequencey: x\n")
    )
    assert error.key == "contracts[0].frequencey"
    assert error.line == 9
    assert "unknown key 'frequencey'" in error.message


def test_unknown_top_level_key():
    error = error_of(BASE + "extra: 1\n")
    assert (error.key, error.line) == ("extra", 13)


def test_bad_date():
    error = error_of(BASE.replace("start: 2018-01-15", "start: 2018-02-30"))
    assert (error.key, error.line) == ("subscriptions[0].start", 11)
    assert "not a valid date" in error.message


def test_date_of_the_wrong_shape():
    error = error_of(BASE.replace("    start: 2018-01-01\n", "    start: 1st of January\n"))
    assert (error.key, error.line) == ("contracts[0].start", 9)


def test_unknown_enum_value():
    error = error_of(BASE.replace("frequency: quarterly", "frequency: fortnightly"))
    assert (error.key, error.line) == ("contracts[0].frequency", 8)
    assert "unknown value 'fortnightly'" in error.message


def test_unknown_reference_to_an_account():
    error = error_of(BASE.replace("account: wingtip", "account: tailspin"))
    assert (error.key, error.line) == ("contracts[0].account", 6)
    assert "unknown account 'tailspin'" in error.message


def test_unknown_reference_to_a_contract():
    error = error_of(BASE.replace("contract: wt-csp", "contract: nope"))
    assert (error.key, error.line) == ("subscriptions[0].contract", 11)


def test_missing_required_key():
    error = error_of(BASE.replace("run: {from: 2018-01-01, to: 2018-12-31}\n", "run: {from: 2018-01-01}\n"))
    assert (error.key, error.line) == ("run.to", 12)
    assert "missing required key 'to'" in error.message


def test_missing_run():
    error = error_of(BASE.replace("run: {from: 2018-01-01, to: 2018-12-31}\n", ""))
    assert error.key == "run"


def test_wrong_type():
    error = error_of(BASE.replace("quantity: 10", "quantity: ten"))
    assert (error.key, error.line) == ("subscriptions[0].quantity", 11)
    assert "expected a whole number" in error.message


def test_duplicate_id():
    error = error_of(BASE.replace("accounts:\n", "accounts:\n  - {id: wingtip, name: Other}\n"))
    assert (error.key, error.line) == ("accounts[1].id", 4)


def test_float_looking_amounts_are_read_exactly():
    scenario = parse(
        BASE
        + textwrap.dedent("""\
        events:
          - {date: 2018-02-01, add_nri: {contract: wt-csp, description: A, quantity: 1, price: 0.1}}
          - {date: 2018-02-01, add_nri: {contract: wt-csp, description: B, quantity: 1, price: 0.2}}
          - {date: 2018-02-02, pay: {invoice: 1, amount: 1234.567}}
        """)
    )
    first, second, payment = scenario.events
    assert isinstance(first.args, AddNri)
    assert isinstance(second.args, AddNri)
    assert first.args.price + second.args.price == Decimal("0.3")
    assert isinstance(payment.args, Pay)
    assert payment.args.amount == Decimal("1234.567")
    assert str(payment.args.amount) == "1234.567"


def test_yaml11_booleans_are_accepted_where_the_format_allows_them():
    scenario = parse(
        BASE.replace(
            "    frequency: quarterly\n", "    frequency: quarterly\n    change_log_invoices: off\n"
        ).replace("    type: recurring\n", "    type: recurring\n    process_refunds: yes\n")
    )
    assert scenario.contracts[0].change_log_invoices == "off"
    assert scenario.contracts[0].process_refunds == "yes"
    scenario = parse(
        BASE.replace("    type: recurring\n", '    type: recurring\n    process_refunds: "no"\n')
    )
    assert scenario.contracts[0].process_refunds == "no"


def test_a_yaml11_boolean_is_refused_where_it_means_nothing():
    error = error_of(
        BASE.replace("    frequency: quarterly\n", "    frequency: quarterly\n    change_log_invoices: on\n")
    )
    assert (error.key, error.line) == ("contracts[0].change_log_invoices", 9)


def test_events_keep_file_order_and_accept_any_quantity_for_the_services_to_judge():
    scenario = parse(
        BASE
        + textwrap.dedent("""\
        events:
          - {date: 2018-03-01, change_quantity: {subscription: o365, quantity: 0}}
          - {date: 2018-02-01, change_quantity: {subscription: ghost, quantity: 2.5}}
        """)
    )
    assert [event.args for event in scenario.events] == [
        ChangeQuantity(subscription="o365", quantity=0),
        ChangeQuantity(subscription="ghost", quantity=Decimal("2.5")),
    ]
    assert [event.line for event in scenario.events] == [14, 15]


def test_an_event_with_two_kinds():
    error = error_of(
        BASE
        + "events:\n  - {date: 2018-03-01, activate: {subscription: o365}, deactivate: {subscription: o365}}\n"
    )
    assert (error.key, error.line) == ("events[0]", 14)


def test_an_unknown_event_kind():
    error = error_of(BASE + "events:\n  - {date: 2018-03-01, upgrade: {subscription: o365}}\n")
    assert (error.key, error.line) == ("events[0].upgrade", 14)


def test_an_unknown_key_inside_an_event():
    error = error_of(
        BASE + "events:\n  - date: 2018-03-01\n    deactivate: {subscription: o365, refnd: true}\n"
    )
    assert (error.key, error.line) == ("events[0].deactivate.refnd", 15)


def test_an_event_outside_the_run():
    error = error_of(BASE + "events:\n  - {date: 2019-01-01, activate: {subscription: o365}}\n")
    assert (error.key, error.line) == ("events[0].date", 14)


def test_invalid_yaml_reports_the_line():
    error = error_of(BASE + "events: [\n")
    assert error.line is not None
    assert "not valid YAML" in error.message


def test_unknown_country_of_a_tax_group():
    error = error_of(
        BASE + "tax_rate_groups:\n  - {id: x, country: Atlantis, rates: [{name: VAT, percent: 20}]}\n"
    )
    assert (error.key, error.line) == ("tax_rate_groups[0].country", 14)


def test_tax_group_country_by_name():
    scenario = parse(
        BASE
        + "tax_rate_groups:\n  - {id: ca, country: United States, region: CA, rates: [{name: S, percent: 5}]}\n"
    )
    assert scenario.tax_rate_groups[0].country == "US"
    assert scenario.tax_rate_groups[0].rates[0].percent == Decimal("5")


@pytest.mark.parametrize("key", ["cli_weekday", "change_log_weekday"])
def test_the_change_log_weekday_has_its_published_name_and_a_readable_one(key: str) -> None:
    scenario = parse(BASE.replace("settings: {generate_refunds: true}", f"settings: {{{key}: tuesday}}"))
    assert (scenario.settings.change_log_weekday, scenario.settings.change_log_weekday_number) == (
        "tuesday",
        1,
    )


def test_the_change_log_weekday_is_given_once() -> None:
    error = error_of(
        BASE.replace(
            "settings: {generate_refunds: true}",
            "settings: {cli_weekday: monday, change_log_weekday: friday}",
        )
    )
    assert (error.key, error.line) == ("settings.cli_weekday", 1)
    assert "not both" in error.message


def test_amounts_and_percentages_are_read_by_the_services_rules() -> None:
    error = error_of(BASE.replace('price: "12.00"', 'price: "12.00001"'))
    assert (error.key, error.message) == ("subscriptions[0].price", "12.00001 has more than 4 decimals")
    error = error_of(
        BASE.replace("    start: 2018-01-01\n", "    start: 2018-01-01\n    discount_percent: 101\n", 1)
    )
    assert (error.key, error.message) == ("contracts[0].discount_percent", "101 is not between 0 and 100 %")
