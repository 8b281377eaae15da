# SPDX-License-Identifier: AGPL-3.0-or-later
"""The demo tenant: a realistic CSP partner with a year of history, loaded through the real services.

`load_demo_tenant()` is idempotent: when the demo accounts exist it does nothing. Everything with
money goes through the billing services (subscriptions, changes, usage, invoice runs) with the clock
moved day by day, exactly as `seatline simulate` does, so the demo's invoices are real invoices.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from seatline import clock
from seatline.audit.context import acting_as
from seatline.catalog.models import Manufacturer, PriceList, PriceListItem, Product
from seatline.configuration.models import Configuration
from seatline.contracts.models import BillingContract
from seatline.core import add_months, quantize
from seatline.customers.models import Account, Contact
from seatline.demo.catalog_data import ACCOUNTS, COST_RATIO, COUNTRY_ALIASES, EUR_RATE, PRODUCTS, TAX_GROUPS
from seatline.errors import SeatlineError
from seatline.invoicing.daily import run_nightly
from seatline.invoicing.models import Invoice
from seatline.providers.models import AgreementTemplate, Provider, ProviderAccount
from seatline.providers.provisioning import recorded_as_provisioned
from seatline.subscriptions import services
from seatline.subscriptions.models import Subscription
from seatline.taxes.models import CountryAlias, TaxCategory, TaxRate, TaxRateGroup

MCA_TEMPLATE_ID = "117a77b0-9360-443b-8795-c6dedc750cf9"
PARTNER_CENTER = "Microsoft Partner Center"
SIMULATOR_URL = "http://127.0.0.1:8400"
FREQUENCIES = ("monthly", "annual", "quarterly", "triennial")


@dataclass
class DemoReport:
    loaded: bool
    accounts: int = 0
    contracts: int = 0
    subscriptions: int = 0
    invoices: int = 0
    refused_changes: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass(order=True)
class _Event:
    day: dt.date
    order: int
    action: Callable[[], object] = field(compare=False)


def demo_is_loaded() -> bool:
    return Account.objects.filter(name=ACCOUNTS[0][0]).exists()


def load_demo_tenant(
    *, today: dt.date | None = None, history_months: int = 14, seed: int = 365
) -> DemoReport:
    if demo_is_loaded():
        return DemoReport(loaded=False, notes=["the demo tenant is already loaded"])
    today = today or clock.today()
    rng = random.Random(seed)
    with acting_as("demo"):
        with transaction.atomic():
            reference = _reference_data()
        events = _customers(rng, reference, today, history_months)
        refused = _replay(events, today)
    report = DemoReport(loaded=True, refused_changes=refused)
    report.accounts = Account.objects.count()
    report.contracts = BillingContract.objects.count()

    report.subscriptions = Subscription.objects.count()
    report.invoices = Invoice.objects.count()
    return report


@dataclass
class _Reference:
    providers: dict[str, Provider | None]
    products: list[Product]
    price_lists: dict[str, PriceList]
    prices: dict[tuple[str, int, str], Decimal]  # (currency, product id, unit) -> price


def _reference_data() -> _Reference:
    config = Configuration.get()
    config.seller_name = "Seatline Demo Partner"
    config.seller_address = "1 Cloud Way\nSeattle, WA 98101\nUnited States"
    config.generate_refunds = True
    config.save()
    software = TaxCategory.objects.get_or_create(name="Software as a service")[0]
    services = TaxCategory.objects.get_or_create(name="Professional services")[0]
    for country, region, name, rates in TAX_GROUPS:
        group = TaxRateGroup.objects.get_or_create(
            name=name, defaults={"country": country, "region": region}
        )[0]
        for position, (rate_name, percent) in enumerate(rates):
            TaxRate.objects.get_or_create(
                group=group, name=rate_name, defaults={"percent": percent, "position": position}
            )
    for alias, country in COUNTRY_ALIASES:
        CountryAlias.objects.get_or_create(alias=alias, defaults={"country": country})
    pc = Provider.objects.get_or_create(
        name=PARTNER_CENTER,
        defaults={
            "type": "automatic",
            "connector": "partner_center",
            "settings": {
                "base_url": SIMULATOR_URL,
                "authority": SIMULATOR_URL,
                "tenant": "seatline-demo.onmicrosoft.com",
                # The simulator accepts any bearer token unless strict_auth is on; a real tenant
                # uses client_credentials or refresh_token with "client_secret_env".
                "auth": "static",
                "order_poll_interval": 1,
                "order_max_wait": 10,
            },
        },
    )[0]
    manual = Provider.objects.get_or_create(
        name="Manual vendors",
        defaults={"type": "manual", "reminder_email": "provisioning@seatline-demo.invalid"},
    )[0]
    nothing = Provider.objects.get_or_create(name="Do Nothing", defaults={"type": "do_nothing"})[0]
    AgreementTemplate.objects.get_or_create(
        name="Microsoft Customer Agreement",
        defaults={
            "provider": pc,
            "agreement_type": "MicrosoftCustomerAgreement",
            "template_id": MCA_TEMPLATE_ID,
            "link": "https://aka.ms/customeragreement",
        },
    )
    AgreementTemplate.objects.get_or_create(
        name="Microsoft Cloud Agreement",
        defaults={"provider": pc, "agreement_type": "MicrosoftCloudAgreement", "active": False},
    )
    # The templates ship with Seatline (providers migration 0003) without a provider when none existed.
    AgreementTemplate.objects.filter(provider__isnull=True, agreement_type__startswith="Microsoft").update(
        provider=pc
    )
    providers = {"pc": pc, "manual": manual, "none": nothing}
    usd = PriceList.objects.get_or_create(
        name="Standard USD", defaults={"currency": "USD", "is_default": True}
    )[0]
    eur = PriceList.objects.get_or_create(name="Standard EUR", defaults={"currency": "EUR"})[0]
    products, prices = [], {}
    for name, kind, maker, provider_key, part, monthly, qrb, window in PRODUCTS:
        manufacturer = Manufacturer.objects.get_or_create(name=maker)[0]
        product = Product.objects.create(
            name=name,
            kind=kind,
            manufacturer=manufacturer,
            part_number=part,
            default_provider=providers[provider_key],
            tax_category=services if kind in {"service", "non_recurring"} else software,
            default_qrb=qrb,
            default_qrw_days=window,
            default_term_months=12,
        )
        products.append(product)
        for price_list, factor in ((usd, Decimal(1)), (eur, EUR_RATE)):
            for unit, months in (("monthly", 1), ("annual", 12)):
                price = quantize(monthly * factor * months, price_list.currency)
                PriceListItem.objects.create(
                    price_list=price_list,
                    product=product,
                    sales_unit=unit,
                    selling_price=price,
                    cost=quantize(price * COST_RATIO, price_list.currency),
                )
                prices[(price_list.currency, product.pk, unit)] = price
    return _Reference(
        providers=providers, products=products, price_lists={"USD": usd, "EUR": eur}, prices=prices
    )


def _customers(rng: random.Random, ref: _Reference, today: dt.date, history_months: int) -> list[_Event]:
    licences = [p for p in ref.products if p.kind == "license"]
    services = [p for p in ref.products if p.kind == "service"]
    one_offs = [p for p in ref.products if p.kind == "non_recurring"]
    azure = next(p for p in ref.products if p.kind == "usage")
    events: list[_Event] = []
    counter = iter(range(1_000_000))
    for index, (name, country, region, city, currency, exempt) in enumerate(ACCOUNTS):
        domain = name.lower().replace(" ", "").replace("'", "").replace("&", "")[:20] + ".example"
        account = Account.objects.create(
            name=name,
            country=country,
            region=region,
            city=city,
            currency=currency,
            tax_exempt=exempt,
            address_line1=f"{rng.randint(1, 999)} Main Street",
            postal_code=f"{rng.randint(10000, 99999)}",
            email_domain=domain,
        )
        Contact.objects.create(
            account=account,
            first_name="Alex",
            last_name=name.split()[0],
            is_primary=True,
            email=f"billing@{domain}",
        )
        ProviderAccount.objects.create(
            provider=ref.providers["pc"],
            account=account,
            provider_customer_id=str(uuid.UUID(int=rng.getrandbits(128))),
            name_at_provider=name,
            domain=f"{domain.split('.')[0]}.onmicrosoft.com",
        )
        start = add_months(today.replace(day=1), -rng.randint(2, history_months))
        frequency = FREQUENCIES[index % len(FREQUENCIES)]
        contract = BillingContract.objects.create(
            name=f"{name} - CSP - {frequency.capitalize()}",
            account=account,
            frequency=frequency,
            policy="advance",
            start_date=start,
            currency=currency,
            price_list=ref.price_lists[currency],
            payment_terms=rng.choice(["net15", "net30", "net30", "net45"]),
            process_refunds=rng.choice(["use_global", "yes", "no"]),
            auto_renew=frequency != "monthly",
            discount_percent=Decimal(rng.choice([0, 0, 0, 5, 10])),
        )
        for product in rng.sample(licences, rng.randint(8, 12)):
            events += _subscription_events(rng, ref, contract, product, counter, today)
        if index % 4 == 1:
            managed = BillingContract.objects.create(
                name=f"{name} - Managed services - Monthly",
                account=account,
                frequency="monthly",
                policy="advance",
                start_date=start,
                currency=currency,
                price_list=ref.price_lists[currency],
                prorate_unit="months",
            )
            for product in rng.sample(services, 3):
                events += _subscription_events(rng, ref, managed, product, counter, today)
        if index % 3 == 0:
            usage = BillingContract.objects.create(
                name=f"{name} - Azure - Monthly arrears",
                account=account,
                frequency="monthly",
                policy="arrears",
                start_date=start.replace(day=15) if start.day < 15 else start,
                currency=currency,
                minimum_commitment=Decimal(rng.choice([0, 250])),
            )
            events += _usage_events(rng, ref, usage, azure, counter, today)
        if index % 5 == 2:
            projects = BillingContract.objects.create(
                name=f"{name} - Projects",
                account=account,
                type="non_recurring",
                frequency="",
                start_date=start,
                currency=currency,
            )
            for product in rng.sample(one_offs, 2):
                day = start + dt.timedelta(days=rng.randint(3, 60))
                price = ref.prices[(currency, product.pk, "monthly")]
                quantity = Decimal(rng.randint(1, 20)) if "per" in product.name else Decimal(1)
                events.append(_Event(day, next(counter), _nri(projects, product, quantity, price, day)))
    return events


def _subscription_events(rng, ref, contract, product, counter, today) -> list[_Event]:  # type: ignore[no-untyped-def]

    annual = contract.frequency in {"annual", "triennial"} and product.kind == "license"
    unit = "annual" if annual else "monthly"
    price = ref.prices[(contract.currency, product.pk, unit)]
    cost = quantize(price * COST_RATIO, contract.currency)
    start = contract.start_date + dt.timedelta(days=rng.choice([0, 0, 0, 9, 20, 45]))
    quantity = rng.randint(3, 60) if product.kind == "license" else rng.randint(1, 25)
    holder: dict[str, object] = {}

    def create() -> object:
        holder["sub"] = services.create_subscription(
            contract=contract,
            name=product.name,
            product=product,
            quantity=quantity,
            price=price,
            cost=cost,
            start_date=start,
            kind=product.kind,
            sales_unit=unit,
            qrb=product.default_qrb,
            qrw_days=product.default_qrw_days,
            term_months=12,
            provider=product.default_provider,
            provider_account=_provider_account(contract, product),
        )
        return holder["sub"]

    events = [_Event(start, next(counter), create)]
    day = start
    for _ in range(rng.randint(0, 3)):
        day = day + dt.timedelta(days=rng.randint(3, 120))
        if day >= today:
            break
        change = rng.random()
        if change < 0.6:
            delta = rng.randint(1, 8)
            events.append(_Event(day, next(counter), _change(holder, +delta)))
        elif change < 0.85:
            events.append(_Event(day, next(counter), _change(holder, -rng.randint(1, 3))))
        else:
            events.append(_Event(day, next(counter), _deactivate(holder, refund=rng.random() < 0.5)))
            break
    return events


def _provider_account(contract: BillingContract, product: Product) -> ProviderAccount | None:
    provider = product.default_provider
    if provider is None or provider.type != "automatic":
        return None
    return ProviderAccount.objects.filter(provider=provider, account_id=contract.account_id).first()


def _change(holder: dict[str, object], delta: int) -> Callable[[], object]:
    def run() -> object:
        subscription = holder["sub"]
        subscription.refresh_from_db()  # type: ignore[attr-defined]
        target = max(1, subscription.quantity + delta)  # type: ignore[attr-defined]
        return services.change_quantity(subscription=subscription, quantity=target)

    return run


def _deactivate(holder: dict[str, object], *, refund: bool) -> Callable[[], object]:
    def run() -> object:
        subscription = holder["sub"]
        subscription.refresh_from_db()  # type: ignore[attr-defined]
        return services.deactivate_subscription(subscription=subscription, refund=refund)

    return run


def _nri(contract, product, quantity, price, day) -> Callable[[], object]:  # type: ignore[no-untyped-def]
    def run() -> object:
        return services.add_nri(
            contract=contract,
            description=product.name,
            quantity=quantity,
            unit_price=price,
            date=day,
            product=product,
        )

    return run


def _usage_events(rng, ref, contract, product, counter, today) -> list[_Event]:  # type: ignore[no-untyped-def]

    holder: dict[str, object] = {}

    def create() -> object:
        holder["sub"] = services.create_subscription(
            contract=contract,
            name="Azure plan",
            product=product,
            quantity=1,
            price=Decimal(0),
            kind="usage",
            start_date=contract.start_date,
            provider=product.default_provider,
            markup_percent=Decimal("15"),
        )
        return holder["sub"]

    events = [_Event(contract.start_date, next(counter), create)]
    month = contract.start_date.replace(day=1)
    while True:
        next_month = add_months(month, 1)
        import_day = next_month + dt.timedelta(days=7)  # Microsoft publishes on the 6th-8th
        if import_day >= today:
            break
        cost = quantize(Decimal(rng.randint(4000, 90000)) / 100, contract.currency)
        period = (month, next_month - dt.timedelta(days=1))

        def record(cost: Decimal = cost, period: tuple[dt.date, dt.date] = period) -> object:
            return services.record_usage(
                subscription=holder["sub"],
                cost=cost,
                period_start=period[0],
                period_end=period[1],
                description="Azure consumption",
            )

        events.append(_Event(import_day, next(counter), record))
        month = next_month
    return events


def _replay(events: list[_Event], today: dt.date) -> int:
    """Apply the events day by day, each night running the real jobs, up to yesterday.

    The history is already provisioned at the providers (the simulator is not running while the
    demo loads): its change logs are recorded Provisioned and enqueue no provisioning job.
    """

    events.sort()
    refused = 0
    first = events[0].day if events else today
    position = 0
    moving = clock.MovableClock(first)
    with clock.process_clock(moving), recorded_as_provisioned():
        day = first
        while day < today:
            moving.set(day)
            while position < len(events) and events[position].day == day:
                try:
                    with transaction.atomic():
                        events[position].action()
                except SeatlineError:
                    refused += 1
                position += 1
            run_nightly(run_date=day)
            day += dt.timedelta(days=1)
    return refused
