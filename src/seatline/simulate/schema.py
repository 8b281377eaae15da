# SPDX-License-Identifier: AGPL-3.0-or-later
"""The scenario file (docs/scenarios.md), validated strictly into frozen dataclasses.

Unknown keys, wrong types, bad dates, unknown enum values, references to undeclared ids and
missing required keys are `ScenarioError`s naming the key path and the line. Amounts are read
from the scalar's original text as `Decimal`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from seatline.common.languages import normalize_language_tag
from seatline.common.parsing import money, percent
from seatline.simulate import payment_schema as pay
from seatline.simulate import provider_schema as ps
from seatline.simulate.events import Event, read_event
from seatline.simulate.yamlnodes import Node, ScenarioError, compose
from seatline.taxes.countries import iso_alpha2

__all__ = [
    "Account",
    "Contract",
    "Event",
    "Run",
    "Scenario",
    "ScenarioError",
    "Settings",
    "Subscription",
    "TaxRate",
    "TaxRateGroup",
    "load_scenario",
    "parse_scenario",
]

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
FREQUENCIES = ("monthly", "quarterly", "annual", "triennial")
UNITS = FREQUENCIES
PAYMENT_TERMS = ("due_on_receipt", "net15", "net30", "net45", "net60", "net90")


@dataclass(frozen=True)
class Settings:
    time_zone: str = "UTC"
    generate_refunds: bool = False
    invoice_date_basis: str = "cycle"
    change_log_weekday: str = "friday"
    dunning_retry_days: tuple[int, ...] = (3, 7, 14)
    dunning_credit_hold: bool = False

    @property
    def change_log_weekday_number(self) -> int:
        return WEEKDAYS.index(self.change_log_weekday)


@dataclass(frozen=True)
class TaxRate:
    name: str
    percent: Decimal


@dataclass(frozen=True)
class TaxRateGroup:
    id: str
    country: str  # ISO 3166 alpha-2
    region: str
    rates: tuple[TaxRate, ...]
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Account:
    id: str
    name: str
    country: str = ""
    region: str = ""
    tax_exempt: bool = False
    provider: str = ""
    tenant_id: str = ""
    language: str = "en-US"  # BCP 47: its documents' language and formats
    email: str = ""  # its billing contact
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Contract:
    id: str
    account: str
    start: dt.date
    type: str = "recurring"
    frequency: str | None = None
    policy: str = "advance"
    prorate_unit: str = "days"
    end: dt.date | None = None
    auto_renew: bool = False
    payment_terms: str = "net30"
    process_refunds: str = "use_global"
    invoice_offset_days: int = 1
    change_log_invoices: str | None = None  # None: the default for the frequency
    discount_percent: Decimal = Decimal(0)
    minimum_commitment: Decimal = Decimal(0)
    auto_send: bool = False  # e-mail every issued document to the account's billing contact
    auto_charge: bool = False  # charge its invoices through its payment method (docs/billing.md 12)
    payment_method: str = ""  # a payment_methods id; empty: the account's default
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Subscription:
    id: str
    contract: str
    product: str
    start: dt.date
    kind: str = "license"
    quantity: int = 1
    price: Decimal = Decimal(0)
    unit: str = "monthly"
    cost: Decimal = Decimal(0)
    qrb: str | None = None
    qrw_days: int | None = None
    term_months: int | None = None
    taxable: bool = True
    markup_percent: Decimal | None = None
    provider: str = ""
    provider_subscription_id: str = ""
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Run:
    start: dt.date
    end: dt.date

    def days(self) -> list[dt.date]:
        count = (self.end - self.start).days + 1
        return [self.start + dt.timedelta(days=offset) for offset in range(count)]


@dataclass(frozen=True)
class Scenario:
    run: Run
    settings: Settings = field(default_factory=Settings)
    currency: str = "USD"
    tax_rate_groups: tuple[TaxRateGroup, ...] = ()
    accounts: tuple[Account, ...] = ()
    contracts: tuple[Contract, ...] = ()
    subscriptions: tuple[Subscription, ...] = ()
    events: tuple[Event, ...] = ()
    providers: tuple[ps.Provider, ...] = ()
    products: tuple[ps.Product, ...] = ()
    provider_invoices: tuple[ps.ProviderInvoiceImport, ...] = ()
    payment_methods: tuple[pay.PaymentMethod, ...] = ()


# fmt: off
TOP_KEYS = frozenset({
    "settings", "currency", "tax_rate_groups", "accounts", "contracts", "subscriptions", "events",
    "run", "providers", "products", "provider_invoices", "payment_methods",
})
# fmt: on


def load_scenario(path: str | Path) -> Scenario:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read the file: {exc}", "", None) from exc
    return parse_scenario(text, base=Path(path).resolve().parent)


def parse_scenario(text: str, *, base: Path | None = None) -> Scenario:
    root = compose(text)
    if root is None:
        raise ScenarioError("the file is empty", "", None)
    top = Node(root, "").mapping(TOP_KEYS)
    settings = top.get("settings", _settings, Settings())
    currency = top.get("currency", _currency, "USD")
    groups = tuple(_tax_group(node) for node in top.get("tax_rate_groups", Node.sequence, []))
    _unique(groups, top, "tax_rate_groups")
    provider_nodes = top.get("providers", Node.sequence, [])
    providers = [ps.read_provider(node) for node in provider_nodes]
    ps.unique(providers, provider_nodes)
    provider_ids = {provider.id for provider in providers}
    products = tuple(ps.read_product(node) for node in top.get("products", Node.sequence, []))
    accounts = tuple(_account(node, provider_ids) for node in top.get("accounts", Node.sequence, []))
    _unique(accounts, top, "accounts")
    account_ids = {account.id for account in accounts}
    methods = tuple(
        pay.read_payment_method(node, account_ids) for node in top.get("payment_methods", Node.sequence, [])
    )
    _unique(methods, top, "payment_methods")
    contract_nodes = top.get("contracts", Node.sequence, [])
    contracts = tuple(_contract(node, account_ids) for node in contract_nodes)
    _unique(contracts, top, "contracts")
    emails = {account.id: account.email for account in accounts}
    for index, contract in enumerate(contracts):
        if contract.auto_send and not emails[contract.account]:
            node = top.required("contracts").sequence()[index].mapping().required("auto_send")
            raise node.error(
                f"auto_send needs an email on account {contract.account!r} (its billing contact)"
            )
    method_accounts = {method.id: method.account for method in methods}
    for index, contract in enumerate(contracts):
        if contract.payment_method and method_accounts.get(contract.payment_method) != contract.account:
            node = top.required("contracts").sequence()[index].mapping().required("payment_method")
            raise node.error(
                f"payment_method {contract.payment_method!r} is not a payment method of account {contract.account!r}"
            )
    contract_by_id = {contract.id: contract for contract in contracts}
    subscriptions = tuple(
        _subscription(node, contract_by_id, provider_ids)
        for node in top.get("subscriptions", Node.sequence, [])
    )
    _unique(subscriptions, top, "subscriptions")
    run = top.need("run", _run)
    events = tuple(read_event(node, run.start, run.end) for node in top.get("events", Node.sequence, []))
    provider_invoices = tuple(
        ps.read_provider_invoice(node, provider_ids, base or Path.cwd(), run.start, run.end)
        for node in top.get("provider_invoices", Node.sequence, [])
    )
    return Scenario(
        run=run,
        settings=settings,
        currency=currency,
        tax_rate_groups=groups,
        accounts=accounts,
        contracts=contracts,
        subscriptions=subscriptions,
        events=events,
        providers=tuple(providers),
        products=products,
        provider_invoices=provider_invoices,
        payment_methods=methods,
    )


def _unique(items: tuple, top, section: str) -> None:  # type: ignore[no-untyped-def]
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item.id in seen:
            node = top.required(section).sequence()[index]
            raise ScenarioError(f"duplicate id {item.id!r}", f"{node.path}.id", node.line)
        seen.add(item.id)


def _settings(node: Node) -> Settings:
    m = node.mapping(
        {
            "time_zone",
            "generate_refunds",
            "invoice_date_basis",
            "change_log_weekday",
            "cli_weekday",
            "dunning_retry_days",
            "dunning_credit_hold",
        }
    )
    # `cli_weekday` is the published name of the key (scenario format 1); `change_log_weekday`
    # says the same without the "CLI" abbreviation. One of them, not both.
    if "change_log_weekday" in m and "cli_weekday" in m:
        raise m.items["cli_weekday"].error("give change_log_weekday or its older name cli_weekday, not both")
    weekday_key = "cli_weekday" if "cli_weekday" in m else "change_log_weekday"
    return Settings(
        time_zone=m.get("time_zone", _time_zone, "UTC"),
        generate_refunds=m.get("generate_refunds", Node.boolean, False),
        invoice_date_basis=m.get("invoice_date_basis", lambda n: n.enum(("cycle", "generation")), "cycle"),
        change_log_weekday=m.get(weekday_key, _weekday, "friday"),
        dunning_retry_days=m.get("dunning_retry_days", pay.read_retry_days, (3, 7, 14)),
        dunning_credit_hold=m.get("dunning_credit_hold", Node.boolean, False),
    )


def _time_zone(node: Node) -> str:
    name = node.text()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise node.error(f"unknown time zone {name!r}") from exc
    return name


def _weekday(node: Node) -> str:
    value = node.text().lower()
    if value not in WEEKDAYS:
        raise node.error(f"unknown value {node.text()!r}, expected one of {', '.join(WEEKDAYS)}")
    return value


def _currency(node: Node) -> str:
    from babel.numbers import list_currencies

    code = node.text()
    if code not in list_currencies():
        raise node.error(f"unknown currency {code!r} (an ISO 4217 code such as USD)")
    return code


def _country_code(node: Node) -> str:
    name = node.text()
    code = iso_alpha2(name)
    if code is None:
        raise node.error(f"unknown country {name!r} (an ISO 3166 code or English name)")
    return code


def _percent(node: Node, low: Decimal = Decimal(0), high: Decimal = Decimal(100)) -> Decimal:
    return node.parsed(percent, node.decimal(), field=node.path, low=low, high=high)


def _amount(node: Node) -> Decimal:
    return node.parsed(money, node.decimal(), field=node.path, code="invalid_amount")


def _tax_group(node: Node) -> TaxRateGroup:
    m = node.mapping({"id", "country", "region", "rates"})
    rates = []
    for rate_node in m.need("rates", Node.sequence):
        r = rate_node.mapping({"name", "percent"})
        rates.append(TaxRate(name=r.need("name", Node.text), percent=r.need("percent", _percent)))
    if not rates:
        raise m.required("rates").error("a tax rate group needs at least one rate")
    return TaxRateGroup(
        id=m.need("id", Node.identifier),
        country=m.need("country", _country_code),
        region=m.get("region", Node.text, ""),
        rates=tuple(rates),
        line=node.line,
    )


def _language(node: Node) -> str:
    try:
        return normalize_language_tag(node.text())
    except ValueError as exc:
        raise node.error(str(exc)) from exc


def _email(node: Node) -> str:
    value = node.text()
    try:
        validate_email(value)
    except ValidationError as exc:
        raise node.error(f"{value!r} is not an e-mail address") from exc
    return value


def _account(node: Node, providers: set[str] | None = None) -> Account:
    m = node.mapping(
        {"id", "name", "country", "region", "tax_exempt", "provider", "tenant_id", "language", "email"}
    )
    account_id = m.need("id", Node.identifier)
    provider = m.get("provider", lambda n: ps.provider_reference(n, providers or set()), "")
    tenant_id = m.get("tenant_id", Node.text, "")
    if bool(provider) != bool(tenant_id):
        raise node.error("an account's provider and tenant_id go together")
    return Account(
        id=account_id,
        name=m.get("name", Node.text, account_id),
        country=m.get("country", Node.text, ""),
        region=m.get("region", Node.text, ""),
        tax_exempt=m.get("tax_exempt", Node.boolean, False),
        provider=provider,
        tenant_id=tenant_id,
        language=m.get("language", _language, "en-US"),
        email=m.get("email", _email, ""),
        line=node.line,
    )


# fmt: off
CONTRACT_KEYS = frozenset({
    "id", "account", "type", "frequency", "policy", "prorate_unit", "start", "end", "auto_renew",
    "payment_terms", "process_refunds", "invoice_offset_days", "change_log_invoices",
    "discount_percent", "minimum_commitment", "auto_send", "auto_charge", "payment_method",
})
# fmt: on


def _reference(node: Node, known: set[str] | dict, what: str) -> str:
    value = node.identifier()
    if value not in known:
        raise node.error(f"unknown {what} {value!r} (not declared in {what}s)")
    return value


def _contract(node: Node, account_ids: set[str]) -> Contract:
    m = node.mapping(CONTRACT_KEYS)
    kind = m.get("type", lambda n: n.enum(("recurring", "non_recurring")), "recurring")
    frequency = m.get("frequency", lambda n: n.enum(FREQUENCIES))
    if kind == "recurring" and frequency is None:
        raise ScenarioError(
            "missing required key 'frequency' (recurring contract)", f"{node.path}.frequency", node.line
        )
    if kind == "non_recurring":
        for key in ("frequency", "policy", "change_log_invoices"):
            if key in m:
                raise m.required(key).error("only for recurring contracts")
    start = m.need("start", Node.date)
    end = m.get("end", Node.date)
    if end is not None and end < start:
        raise m.required("end").error(f"the end {end} is before the start {start}")
    return Contract(
        id=m.need("id", Node.identifier),
        account=m.need("account", lambda n: _reference(n, account_ids, "account")),
        start=start,
        type=kind,
        frequency=frequency,
        policy=m.get("policy", lambda n: n.enum(("advance", "arrears")), "advance"),
        prorate_unit=m.get("prorate_unit", lambda n: n.enum(("days", "months")), "days"),
        end=end,
        auto_renew=m.get("auto_renew", Node.boolean, False),
        payment_terms=m.get("payment_terms", lambda n: n.enum(PAYMENT_TERMS), "net30"),
        process_refunds=m.get(
            "process_refunds",
            lambda n: n.enum(("use_global", "yes", "no"), yaml11={True: "yes", False: "no"}),
            "use_global",
        ),
        invoice_offset_days=m.get("invoice_offset_days", lambda n: n.integer(minimum=-28, maximum=28), 1),
        change_log_invoices=m.get(
            "change_log_invoices", lambda n: n.enum(("off", "weekly", "monthly"), yaml11={False: "off"})
        ),
        discount_percent=m.get("discount_percent", _percent, Decimal(0)),
        minimum_commitment=m.get("minimum_commitment", _amount, Decimal(0)),
        auto_send=m.get("auto_send", Node.boolean, False),
        auto_charge=m.get("auto_charge", Node.boolean, False),
        payment_method=m.get("payment_method", Node.identifier, ""),
        line=node.line,
    )


# fmt: off
SUBSCRIPTION_KEYS = frozenset({
    "id", "contract", "product", "kind", "quantity", "price", "unit", "cost", "start", "qrb",
    "qrw_days", "term_months", "taxable", "markup_percent", "provider", "provider_subscription_id",
})
# fmt: on


def _subscription(
    node: Node, contracts: dict[str, Contract], providers: set[str] | None = None
) -> Subscription:
    m = node.mapping(SUBSCRIPTION_KEYS)
    contract_id = m.need("contract", lambda n: _reference(n, contracts, "contract"))
    kind = m.get("kind", lambda n: n.enum(("license", "service", "usage")), "license")
    if kind == "usage":
        quantity = m.get("quantity", lambda n: n.integer(minimum=1, maximum=1), 1)
        price = m.get("price", _amount, Decimal(0))
    else:
        quantity = m.need("quantity", lambda n: n.integer(minimum=1))
        price = m.need("price", _amount)
    qrb = m.get("qrb", lambda n: n.enum(("allowed", "disallowed", "window")))
    qrw_days = m.get("qrw_days", lambda n: n.integer(minimum=1))
    if qrb == "window" and qrw_days is None:
        raise ScenarioError(
            "missing required key 'qrw_days' (qrb: window)", f"{node.path}.qrw_days", node.line
        )
    if qrb != "window" and qrw_days is not None:
        raise m.required("qrw_days").error("only with qrb: window")
    return Subscription(
        id=m.need("id", Node.identifier),
        contract=contract_id,
        product=m.need("product", Node.text),
        start=m.get("start", Node.date, contracts[contract_id].start),
        kind=kind,
        quantity=quantity,
        price=price,
        unit=m.get("unit", lambda n: n.enum(UNITS), "monthly"),
        cost=m.get("cost", _amount, Decimal(0)),
        qrb=qrb,
        qrw_days=qrw_days,
        term_months=m.get("term_months", lambda n: n.integer(minimum=1)),
        taxable=m.get("taxable", Node.boolean, True),
        markup_percent=m.get("markup_percent", lambda n: _percent(n, Decimal(-100), Decimal(1000))),
        provider=m.get("provider", lambda n: ps.provider_reference(n, providers or set()), ""),
        provider_subscription_id=m.get("provider_subscription_id", Node.text, ""),
        line=node.line,
    )


def _run(node: Node) -> Run:
    m = node.mapping({"from", "to"})
    start = m.need("from", Node.date)
    end = m.need("to", Node.date)
    if end < start:
        raise m.required("to").error(f"the run ends ({end}) before it starts ({start})")
    return Run(start=start, end=end)
