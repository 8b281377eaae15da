# SPDX-License-Identifier: AGPL-3.0-or-later
"""Sales-order provisioning (reference 7.4): each order line becomes a subscription change.

`provision_order` runs in one transaction: the contract (chosen, or created from `NewContract`),
each line as a new subscription or a quantity increase of an existing one through the subscription
services (which enqueue the provisioning jobs in the same transaction), and the order Fulfilled /
Complete. Any refusal rolls everything back: the order stays a draft and nothing changed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from seatline import clock
from seatline.audit.services import record
from seatline.contracts.models import BillingContract, Frequency, PaymentTerms, Policy, ProcessRefunds
from seatline.contracts.services import create_contract
from seatline.errors import SeatlineError
from seatline.providers.models import Provider, ProviderAccount, SalesOrder, SalesOrderLine
from seatline.subscriptions import services
from seatline.subscriptions.models import Subscription


@dataclass(frozen=True)
class NewContract:
    """A quick-created billing contract (recurring, evergreen unless `end_date`)."""

    frequency: str = Frequency.MONTHLY
    policy: str = Policy.ADVANCE
    payment_terms: str = PaymentTerms.NET30
    process_refunds: str = ProcessRefunds.USE_GLOBAL
    start_date: dt.date | None = None  # None: today
    end_date: dt.date | None = None
    auto_renew: bool = False
    name: str = ""


def _check_choice(value: str, choices: type, field: str) -> None:
    if value not in choices.values:  # type: ignore[attr-defined]
        raise SeatlineError(
            f"invalid_{field}", f"{value!r} is not a valid {field.replace('_', ' ')}", field=field
        )


def _create_contract(order: SalesOrder, spec: NewContract) -> BillingContract:
    _check_choice(spec.frequency, Frequency, "frequency")
    _check_choice(spec.policy, Policy, "policy")
    _check_choice(spec.payment_terms, PaymentTerms, "payment_terms")
    _check_choice(spec.process_refunds, ProcessRefunds, "process_refunds")
    start = spec.start_date or clock.today()
    if spec.end_date is not None and spec.end_date < start:
        raise SeatlineError("invalid_date", "the contract cannot end before it starts", field="end_date")
    return create_contract(
        name=spec.name or f"{order.account.name} - Order {order.number} - {spec.frequency.capitalize()}",
        account=order.account,
        frequency=spec.frequency,
        policy=spec.policy,
        payment_terms=spec.payment_terms,
        process_refunds=spec.process_refunds,
        start_date=start,
        end_date=spec.end_date,
        auto_renew=spec.auto_renew,
        currency=order.currency,
        audit_message=f"quick-created for order {order.number}",
    )


def _provider_account(order: SalesOrder, provider: Provider | None) -> ProviderAccount | None:
    if provider is None or provider.type != Provider.Type.AUTOMATIC:
        return None
    mapping = ProviderAccount.objects.filter(provider=provider, account=order.account).order_by("id").first()
    if mapping is None:
        raise SeatlineError(
            "provider_account_missing",
            f"{order.account} has no customer at {provider}: onboard or map it before provisioning",
            field="provider",
        )
    return mapping


def _provision_line(
    line: SalesOrderLine, order: SalesOrder, contract: BillingContract, start: dt.date
) -> Subscription:
    existing = line.existing_subscription
    if existing is not None:
        locked = Subscription.objects.get(pk=existing.pk)
        if locked.account_id != order.account_id:
            raise SeatlineError(
                "subscription_account_mismatch",
                f"{locked} does not belong to {order.account}",
                field="existing_subscription",
            )
        services.change_quantity(
            subscription=locked, quantity=locked.quantity + line.quantity, effective=start
        )
        return locked
    provider = line.provider_override or line.product.default_provider
    return services.create_subscription(
        contract=contract,
        name=line.product.name,
        quantity=line.quantity,
        price=line.unit_price,
        cost=line.unit_cost,
        start_date=start,
        kind="service" if line.product.kind == "service" else "license",
        sales_unit=line.sales_unit,
        product=line.product,
        provider=provider,
        provider_account=_provider_account(order, provider),
    )


def provision_order(
    *, order: SalesOrder, contract: BillingContract | None = None, new_contract: NewContract | None = None
) -> SalesOrder:
    """Provision every line of a draft order into `contract` (or a new one); the order is fulfilled."""
    if (contract is None) == (new_contract is None):
        raise SeatlineError(
            "contract_required",
            "choose an existing contract or describe a new one (not both)",
            field="contract",
        )
    with transaction.atomic():
        locked = SalesOrder.objects.select_for_update().select_related("account").get(pk=order.pk)
        if locked.status != SalesOrder.Status.DRAFT:
            raise SeatlineError(
                "order_fulfilled", f"order {locked.number} is already fulfilled", field="order"
            )
        lines = list(locked.lines.select_related("product", "product__default_provider", "provider_override"))
        if not lines:
            raise SeatlineError("order_empty", f"order {locked.number} has no lines", field="order")
        for line in lines:
            if line.currency != locked.currency:
                raise SeatlineError(
                    "currency_mismatch",
                    f"a line of {line.product} is in {line.currency}, the order in {locked.currency}",
                    field="lines",
                )
            if line.product.kind not in ("license", "service"):
                raise SeatlineError(
                    "order_line_not_recurring",
                    f"{line.product} is not a license or service product: bill it as a non-recurring item",
                    field="lines",
                )
        if contract is not None:
            if contract.account_id != locked.account_id:
                raise SeatlineError(
                    "contract_account_mismatch", f"{contract} belongs to another account", field="contract"
                )
            if contract.type != "recurring" or contract.status != "active":
                raise SeatlineError(
                    "contract_not_active", f"{contract} is not an active recurring contract", field="contract"
                )
            if contract.currency != locked.currency:
                raise SeatlineError(
                    "currency_mismatch",
                    f"{contract} bills in {contract.currency}, the order is in {locked.currency}",
                    field="contract",
                )
            target = contract
        else:
            assert new_contract is not None
            target = _create_contract(locked, new_contract)
        start = max(clock.today(), target.start_date)
        for line in lines:
            line.provisioned_subscription = _provision_line(line, locked, target, start)
            line.save(update_fields=["provisioned_subscription"])
        locked.status = SalesOrder.Status.FULFILLED
        locked.status_reason = SalesOrder.StatusReason.COMPLETE
        locked.contract = target
        locked.fulfilled_at = clock.now()
        locked.save(update_fields=["status", "status_reason", "contract", "fulfilled_at", "updated_at"])
        record(locked, "order_provisioned", message=f"{len(lines)} line(s) provisioned into {target}")
    order.refresh_from_db()
    return order
