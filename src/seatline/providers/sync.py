# SPDX-License-Identifier: AGPL-3.0-or-later
"""Subscription sync, provider -> Seatline (reference 7.2).

New subscriptions at the provider are imported under the given contract (product matched by part
number = the `productId:skuId` prefix of the offer id), with a `create` LCL that is Not Applicable
(the change came from the provider). Quantity drift between Seatline and the provider is reported
(`SyncReport.drift` and an audit record on the subscription), never overwritten: billing follows
Seatline's LCLs, and a person decides which side is right. NCE facts (commitment end, cancellation
window, refundable quantity and lots, auto-renew) are refreshed on every linked subscription. A
field the connector could not read (an unreadable date on one subscription) is listed in
`SyncReport.problems` and the audit record; it never fails the whole sync.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from seatline import clock
from seatline.audit.services import record
from seatline.catalog.models import PriceListItem, Product
from seatline.connectors.base import ProviderSubscription, SubscriptionStatus
from seatline.contracts.models import BillingContract
from seatline.errors import SeatlineError
from seatline.providers.models import Provider, ProviderAccount
from seatline.providers.provisioning import changes_from_provider
from seatline.providers.push import apply_provider_state
from seatline.providers.services import connected
from seatline.subscriptions import services
from seatline.subscriptions.models import Subscription

GONE = (SubscriptionStatus.DELETED, SubscriptionStatus.EXPIRED, SubscriptionStatus.DISABLED)
TERM_MONTHS = {"P1M": 1, "P1Y": 12, "P3Y": 36}


@dataclass(frozen=True)
class Drift:
    subscription_id: int
    name: str
    provider_subscription_id: str
    seatline_quantity: int
    provider_quantity: int
    provider_status: str


@dataclass
class SyncReport:
    imported: list[Subscription] = field(default_factory=list)
    refreshed: list[Subscription] = field(default_factory=list)
    drift: list[Drift] = field(default_factory=list)
    not_imported: list[ProviderSubscription] = field(default_factory=list)  # no contract given
    unmatched: list[ProviderSubscription] = field(default_factory=list)  # no product for the offer
    # Fields the connector could not read, per provider subscription ("<id>: creationDate: ...").
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"{len(self.imported)} imported, {len(self.refreshed)} refreshed, {len(self.drift)} with "
            f"quantity drift, {len(self.not_imported)} not imported (no contract chosen), "
            f"{len(self.unmatched)} without a matching product"
        )
        if self.problems:
            text += f"; {len(self.problems)} unreadable field(s): " + "; ".join(self.problems)
        return text


def part_number(offer_id: str) -> str:
    return ":".join(offer_id.split(":")[:2])


def sync_subscriptions(
    *, provider_account: ProviderAccount, contract: BillingContract | None = None
) -> SyncReport:
    """Read the customer's subscriptions at the provider; import new ones under `contract`."""
    provider = provider_account.provider
    if provider.type != Provider.Type.AUTOMATIC:
        raise SeatlineError("provider_not_automatic", f"{provider} has no API to sync from", field="provider")
    if provider_account.account_id is None:
        raise SeatlineError(
            "provider_account_unmapped",
            f"{provider_account} is not mapped to an account: map it first",
            field="provider_account",
        )
    if contract is not None and contract.account_id != provider_account.account_id:
        raise SeatlineError(
            "contract_account_mismatch",
            f"{contract} belongs to another account than {provider_account}",
            field="contract",
        )
    if contract is not None and contract.type != "recurring":
        raise SeatlineError(
            "contract_not_recurring", f"{contract} is not a recurring contract", field="contract"
        )
    with connected(provider) as connector:
        remote = connector.list_subscriptions(provider_account.provider_customer_id)
    report = SyncReport()
    with transaction.atomic():
        linked = {
            sub.provider_subscription_id: sub
            for sub in Subscription.objects.select_for_update()
            .filter(provider=provider, provider_account=provider_account)
            .exclude(provider_subscription_id="")
        }
        for state in remote:
            report.problems.extend(f"{state.id}: {problem}" for problem in state.problems)
            subscription = linked.get(state.id)
            if subscription is not None:
                _refresh(subscription, state, report)
            elif state.status not in GONE:
                _import(provider_account, contract, state, report)
        provider_account.last_synced_at = clock.now()
        provider_account.save(update_fields=["last_synced_at", "updated_at"])
        record(provider_account, "subscriptions_synced", message=report.summary())
    return report


def _refresh(subscription: Subscription, state: ProviderSubscription, report: SyncReport) -> None:
    changed = apply_provider_state(subscription, state)
    if changed:
        subscription.save(update_fields=changed)
    report.refreshed.append(subscription)
    provider_quantity = 0 if state.status in (*GONE, SubscriptionStatus.SUSPENDED) else state.quantity
    if subscription.quantity != provider_quantity:
        drift = Drift(
            subscription_id=subscription.pk,
            name=subscription.name,
            provider_subscription_id=state.id,
            seatline_quantity=subscription.quantity,
            provider_quantity=provider_quantity,
            provider_status=state.status.value,
        )
        report.drift.append(drift)
        record(
            subscription,
            "provider_quantity_drift",
            changes={"quantity": (subscription.quantity, provider_quantity)},
            message=f"the provider reports {provider_quantity} seat(s) ({state.status.value}); Seatline has "
            f"{subscription.quantity}: not changed, check which side is right",
        )


def _price(contract: BillingContract, product: Product, unit: str) -> tuple[Decimal, Decimal]:
    if contract.price_list_id is None:
        return Decimal(0), Decimal(0)
    item = PriceListItem.objects.filter(
        price_list_id=contract.price_list_id, product=product, sales_unit=unit
    ).first()
    return (item.selling_price, item.cost) if item is not None else (Decimal(0), Decimal(0))


def _import(
    provider_account: ProviderAccount,
    contract: BillingContract | None,
    state: ProviderSubscription,
    report: SyncReport,
) -> None:

    wanted = part_number(state.offer_id)
    product = Product.objects.filter(part_number=wanted).order_by("id").first() if wanted else None
    if product is None:
        report.unmatched.append(state)
        return
    if contract is None:
        report.not_imported.append(state)
        return
    unit = "annual" if state.billing_cycle == "annual" else "monthly"
    price, cost = _price(contract, product, unit)
    start = state.start.date() if isinstance(state.start, dt.datetime) else clock.today()
    with changes_from_provider():
        subscription = services.create_subscription(
            contract=contract,
            name=state.friendly_name or state.offer_name or product.name,
            quantity=max(state.quantity, 1),
            price=price,
            cost=cost,
            start_date=max(start, contract.start_date),
            sales_unit=unit,
            product=product,
            term_months=TERM_MONTHS.get(state.term_duration, 12),
            provider=provider_account.provider,
            provider_account=provider_account,
        )

    changed = apply_provider_state(subscription, state)
    subscription.provisioning_status = "not_applicable"
    subscription.save(update_fields=[*changed, "provisioning_status"])
    record(subscription, "subscription_imported", message=f"imported from provider subscription {state.id}")
    report.imported.append(subscription)
