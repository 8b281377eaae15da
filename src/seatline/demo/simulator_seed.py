# SPDX-License-Identifier: AGPL-3.0-or-later
"""Seed the Partner Center simulator with the demo tenant, through the real connector.

The demo's history is recorded as already provisioned, but the simulator starts empty: without its
customers and subscriptions, the first change made in the back office fails with
provider_not_found. `seed_simulator` makes the two agree, idempotently:

* each Partner Center provider account whose customer the simulator does not know is created there
  (domain = the provider account's domain), its MCA accepted, and the simulator's customer id
  stored on the provider account;
* each active subscription of the provider without a provider subscription the simulator knows is
  ordered there (offer = product part number + an availability of the simulator's catalog) with its
  quantity; the provider's facts (subscription id, offer, NCE window, ...) are written back with
  the push code's `apply_provider_state`. It is seeding, not a change: no license change log, one
  audit record per subscription.

The simulator's clock is set to Seatline's now first, so commitment and cancellation windows make
sense.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import httpx
from django.db import transaction

from seatline import clock
from seatline.audit.services import record
from seatline.connectors.base import (
    Address,
    AgreementAcceptance,
    CustomerRequest,
    ProviderConnector,
    ProviderCustomer,
)
from seatline.connectors.errors import ProviderError
from seatline.errors import SeatlineError
from seatline.providers.models import AgreementTemplate, Provider, ProviderAccount
from seatline.providers.push import apply_provider_state, order_line
from seatline.providers.services import connected
from seatline.subscriptions.lock_objects import lock_subscription
from seatline.subscriptions.models import Subscription
from seatline.taxes.countries import resolve_country

SEEDED = "seeded at the demo simulator"


@dataclass
class SeedReport:
    customers_created: int = 0
    customers_present: int = 0
    subscriptions_ordered: int = 0
    subscriptions_present: int = 0
    not_in_catalog: int = 0
    clock: str = ""
    failures: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"Simulator seeded: {self.customers_created} customer(s) created, {self.customers_present} already "
            f"there; {self.subscriptions_ordered} subscription(s) ordered, {self.subscriptions_present} already "
            f"there, {self.not_in_catalog} not in the simulator catalog"
        )
        if self.failures:
            text += f"; {len(self.failures)} failed (first: {self.failures[0]})"
        return text


def _instant(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def sync_simulator_clock(base_url: str, *, timeout: float = 10) -> str:
    """Move the simulator's clock to Seatline's now (it only moves forward); the simulator's now."""
    now = clock.now()
    with httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout) as http:
        current = http.get("/_sim/clock")
        current.raise_for_status()
        text = str(current.json()["now"])
        if dt.datetime.fromisoformat(text.replace("Z", "+00:00")) >= now:
            return text
        moved = http.post("/_sim/clock", json={"now": _instant(now)})
        moved.raise_for_status()
        return str(moved.json()["now"])


def seed_simulator(provider: Provider) -> SeedReport:
    """Create the demo's customers and active subscriptions of `provider` at its simulator."""
    report = SeedReport()
    try:
        report.clock = sync_simulator_clock(str(provider.settings["base_url"]))
    except (httpx.HTTPError, KeyError, ValueError) as exc:
        report.failures.append(f"clock: {exc}")
    offers: dict[str, dict[str, str]] = {}
    with connected(provider) as connector:
        mappings = ProviderAccount.objects.filter(provider=provider).select_related("account").order_by("id")
        for mapping in mappings:
            try:
                known = _ensure_customer(connector, provider, mapping, report)
            except SeatlineError as error:
                report.failures.append(f"{mapping.account}: {error}")
                continue
            subscriptions = (
                Subscription.objects.filter(
                    provider=provider, provider_account=mapping, status=Subscription.Status.ACTIVE
                )
                .select_related("product", "account")
                .order_by("id")
            )
            for subscription in subscriptions:
                if subscription.provider_subscription_id and subscription.provider_subscription_id in known:
                    report.subscriptions_present += 1
                    continue
                try:
                    _order(connector, mapping, subscription, _offers(connector, subscription, offers), report)
                except SeatlineError as error:
                    report.failures.append(f"{subscription.name} ({subscription.pk}): {error}")
    return report


def _ensure_customer(
    connector: ProviderConnector, provider: Provider, mapping: ProviderAccount, report: SeedReport
) -> set[str]:
    """The customer at the simulator (created when missing); the ids of its subscriptions there."""
    customer = None
    if mapping.provider_customer_id:
        customer = connector.find_customer(customer_id=mapping.provider_customer_id)
    if customer is None and mapping.domain:
        customer = connector.find_customer(domain=mapping.domain)
    if customer is not None:
        report.customers_present += 1
        if customer.id != mapping.provider_customer_id:
            _store_customer(mapping, customer, "found at the demo simulator by its domain")
        return {state.id for state in connector.list_subscriptions(customer.id)}
    account = mapping.account
    contact = account.contacts.order_by("-is_primary", "id").first()  # type: ignore[attr-defined]
    first = contact.first_name if contact is not None else "Demo"
    last = contact.last_name if contact is not None else "Admin"
    email = contact.email if contact is not None and contact.email else f"admin@{mapping.domain}"
    request = CustomerRequest(
        company_name=account.name,
        domain=mapping.domain,
        email=email,
        address=Address(
            first_name=first,
            last_name=last,
            line1=account.address_line1 or "1 Main Street",
            line2=account.address_line2,
            city=account.city or "Seattle",
            state=account.region if len(account.region or "") <= 2 else "",
            postal_code=account.postal_code or "98101",
            country=resolve_country(account.country) or "US",
            phone=contact.phone if contact is not None else "",
        ),
    )
    customer = connector.create_customer(request)
    if connector.capabilities.supports_agreements:
        template = (
            AgreementTemplate.objects.filter(
                provider=provider, agreement_type=AgreementTemplate.AgreementType.MCA, active=True
            )
            .order_by("id")
            .first()
        )
        connector.accept_customer_agreement(
            customer.id,
            AgreementAcceptance(
                first_name=first,
                last_name=last,
                email=email,
                date_agreed=clock.now(),
                template_id=template.template_id if template is not None else "",
            ),
        )
    _store_customer(
        mapping, customer, f"customer created at the demo simulator (id {customer.id}), MCA accepted"
    )
    report.customers_created += 1
    return set()


def _store_customer(mapping: ProviderAccount, customer: ProviderCustomer, message: str) -> None:
    with transaction.atomic():
        before = mapping.provider_customer_id
        mapping.provider_customer_id = customer.id
        mapping.last_synced_at = clock.now()
        mapping.save(update_fields=["provider_customer_id", "last_synced_at"])
        record(
            mapping,
            "seeded_at_simulator",
            changes={"provider_customer_id": (before, customer.id)},
            message=message,
        )


def _offers(
    connector: ProviderConnector, subscription: Subscription, cache: dict[str, dict[str, str]]
) -> dict[str, str]:
    """Part number ("product:sku") -> a purchasable offer id of the account's country catalog."""
    country = resolve_country(subscription.account.country) or "US"
    if country not in cache:
        offers: dict[str, str] = {}
        try:
            listed = connector.list_offers(country)
        except ProviderError:
            listed = []
        for offer in listed:
            if offer.is_purchasable:
                offers.setdefault(f"{offer.product_id}:{offer.sku_id}".upper(), offer.id)
        if not offers and country != "US":  # the simulator sells in one market
            offers = _offers_us(connector, cache)
        cache[country] = offers
    return cache[country]


def _offers_us(connector: ProviderConnector, cache: dict[str, dict[str, str]]) -> dict[str, str]:
    if "US" not in cache:
        cache["US"] = {
            f"{offer.product_id}:{offer.sku_id}".upper(): offer.id
            for offer in connector.list_offers("US")
            if offer.is_purchasable
        }
    return cache["US"]


def _order(
    connector: ProviderConnector,
    mapping: ProviderAccount,
    subscription: Subscription,
    offers: dict[str, str],
    report: SeedReport,
) -> None:
    part = (subscription.product.part_number if subscription.product is not None else "").upper()
    offer_id = offers.get(part)
    if not part or offer_id is None:
        report.not_in_catalog += 1
        return
    if subscription.quantity < 1:
        report.failures.append(f"{subscription.name} ({subscription.pk}): no seats to order")
        return
    result = connector.order_subscriptions(
        mapping.provider_customer_id, [order_line(subscription, offer_id, subscription.quantity)]
    )
    if not result.subscriptions:
        orders = ", ".join(line.order_id for line in result.pending) or ", ".join(result.order_ids)
        report.failures.append(f"{subscription.name} ({subscription.pk}): order {orders} still pending")
        return
    state = result.subscriptions[0]
    with transaction.atomic():
        locked = lock_subscription(subscription.pk)
        before = locked.provider_subscription_id
        changed = apply_provider_state(locked, state)
        if changed:
            locked.save(update_fields=changed)
        record(
            locked,
            "seeded_at_simulator",
            changes={"provider_subscription_id": (before, state.id)},
            message=f"{SEEDED}: provider subscription {state.id}, {state.quantity} seat(s), offer {state.offer_id}",
        )
    report.subscriptions_ordered += 1
