# SPDX-License-Identifier: AGPL-3.0-or-later
"""The GoCardless connector, on the official `gocardless-pro` SDK.

* A payment method is a **mandate** (`MD...`): saved from bank details (customer bank account +
  mandate) or through the hosted flow (a billing request with a mandate request, and a billing
  request flow whose `authorisation_url` the customer opens).
* Charges are payments against the mandate, in minor units, with the caller's idempotency key
  (`Idempotency-Key`; on a repeated key GoCardless answers 409 `idempotent_creation_conflict` and
  the SDK fetches the payment it created). They answer PENDING; the outcome arrives later
  (`payments` webhooks `confirmed` / `failed`, or `get_charge`).
* Refunds need the payment confirmed, and `total_amount_confirmation` (what this refund brings
  the total refunded to), which the connector reads from the payment.
* Webhooks: `gocardless_pro.webhooks.parse` (HMAC-SHA256 `Webhook-Signature`); one webhook carries
  several events.

Failure causes (`details.cause`) -> Seatline decline codes: `insufficient_funds` ->
insufficient_funds; `refer_to_payer` -> card_declined; `mandate_expired` -> expired_card; causes
that need the customer to set up a new mandate (`authorisation_disputed`, `mandate_cancelled`,
`bank_account_closed`, `bank_account_transferred`, `invalid_bank_details`,
`direct_debit_not_enabled`) -> authentication_required (retries cannot help); else processing_error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import gocardless_pro
import requests
from gocardless_pro import errors as gc_errors
from gocardless_pro import webhooks as gc_webhooks

from seatline.connectors.payment_errors import (
    ProcessorAuthError,
    ProcessorError,
    ProcessorInvalidRequestError,
    ProcessorNotFoundError,
    ProcessorUnavailableError,
    ProcessorUnsupportedError,
    RefundExceedsPaymentError,
    WebhookSignatureError,
)
from seatline.connectors.payment_registry import register_processor
from seatline.connectors.payment_support import from_minor, header, parse_iso, to_minor
from seatline.connectors.payments import (
    Charge,
    ChargeRequest,
    ChargeStatus,
    CheckoutRequest,
    CheckoutSession,
    CustomerRequest,
    DeclineCode,
    PaymentMethod,
    PaymentMethodKind,
    PaymentSource,
    ProcessorCapabilities,
    ProcessorConfig,
    ProcessorCustomer,
    ProcessorKind,
    Refund,
    RefundRequest,
    RefundStatus,
    SetupRequest,
    SetupSession,
    SetupStatus,
    TokenSource,
    WebhookEvent,
    WebhookEventKind,
)

CAUSES = {
    "insufficient_funds": DeclineCode.INSUFFICIENT_FUNDS,
    "refer_to_payer": DeclineCode.CARD_DECLINED,
    "mandate_expired": DeclineCode.EXPIRED_CARD,
    "authorisation_disputed": DeclineCode.AUTHENTICATION_REQUIRED,
    "mandate_cancelled": DeclineCode.AUTHENTICATION_REQUIRED,
    "bank_account_closed": DeclineCode.AUTHENTICATION_REQUIRED,
    "bank_account_transferred": DeclineCode.AUTHENTICATION_REQUIRED,
    "invalid_bank_details": DeclineCode.AUTHENTICATION_REQUIRED,
    "direct_debit_not_enabled": DeclineCode.AUTHENTICATION_REQUIRED,
}
PAYMENT_STATUS = {
    "confirmed": ChargeStatus.SUCCEEDED,
    "paid_out": ChargeStatus.SUCCEEDED,
    "failed": ChargeStatus.FAILED,
    "cancelled": ChargeStatus.FAILED,
    "charged_back": ChargeStatus.FAILED,
    "customer_approval_denied": ChargeStatus.FAILED,
}
REFUND_STATUS = {
    "paid": RefundStatus.SUCCEEDED,
    "refund_settled": RefundStatus.SUCCEEDED,
    "failed": RefundStatus.FAILED,
    "cancelled": RefundStatus.FAILED,
}
EVENT_KINDS = {
    ("payments", "confirmed"): WebhookEventKind.CHARGE_SUCCEEDED,
    ("payments", "paid_out"): WebhookEventKind.CHARGE_SUCCEEDED,
    ("payments", "failed"): WebhookEventKind.CHARGE_FAILED,
    ("payments", "cancelled"): WebhookEventKind.CHARGE_FAILED,
    ("payments", "charged_back"): WebhookEventKind.CHARGE_FAILED,
    ("payments", "submitted"): WebhookEventKind.CHARGE_PENDING,
    ("refunds", "paid"): WebhookEventKind.REFUND_SUCCEEDED,
    ("refunds", "refund_settled"): WebhookEventKind.REFUND_SUCCEEDED,
    ("refunds", "failed"): WebhookEventKind.REFUND_FAILED,
    ("mandates", "active"): WebhookEventKind.PAYMENT_METHOD_READY,
    ("mandates", "failed"): WebhookEventKind.PAYMENT_METHOD_FAILED,
    ("mandates", "cancelled"): WebhookEventKind.PAYMENT_METHOD_FAILED,
    ("mandates", "expired"): WebhookEventKind.PAYMENT_METHOD_FAILED,
    ("billing_requests", "fulfilled"): WebhookEventKind.PAYMENT_METHOD_READY,
}


def decline_code(cause: str | None) -> DeclineCode:
    return CAUSES.get(cause or "", DeclineCode.PROCESSING_ERROR)


def _error(exc: Exception) -> ProcessorError:
    if isinstance(exc, requests.RequestException | gc_errors.MalformedResponseError):
        return ProcessorUnavailableError("GoCardless could not be reached", processor_message=str(exc))
    if not isinstance(exc, gc_errors.ApiError):
        return ProcessorError(processor_message=str(exc))
    reasons = [str(item.get("reason") or item.get("field") or "") for item in exc.errors or []]
    details: dict[str, Any] = {
        "processor_code": reasons[0] if reasons and reasons[0] else str(exc.type or ""),
        "processor_message": str(exc),
        "http_status": exc.code,
        "request_id": exc.request_id or "",
    }
    if isinstance(exc, gc_errors.AuthenticationError | gc_errors.PermissionsError):
        return ProcessorAuthError(**details)
    if isinstance(exc, gc_errors.RateLimitError | gc_errors.GoCardlessInternalError):
        return ProcessorUnavailableError(**details)
    if "available_refund_amount_insufficient" in reasons:
        return RefundExceedsPaymentError(field="amount", **details)
    if exc.code == 404:
        return ProcessorNotFoundError(**details)
    fields = [item.get("field") for item in exc.errors or [] if item.get("field")]
    return ProcessorInvalidRequestError(field=fields[0] if fields else None, **details)


@register_processor(ProcessorKind.GOCARDLESS)
class GoCardlessProcessor:
    kind = ProcessorKind.GOCARDLESS
    capabilities = ProcessorCapabilities(
        bank_debit=True,
        refunds=True,
        partial_refunds=True,
        hosted_setup_page=True,
        webhooks=True,
        async_outcomes=True,
    )

    def __init__(self, config: ProcessorConfig) -> None:
        self._webhook_secret = config.webhook_secret
        if config.base_url:
            self._client = gocardless_pro.Client(
                access_token=config.api_key, base_url=config.base_url.rstrip("/"), timeout=config.timeout
            )
        else:
            self._client = gocardless_pro.Client(
                access_token=config.api_key, environment=config.environment, timeout=config.timeout
            )

    @classmethod
    def from_config(cls, config: ProcessorConfig) -> GoCardlessProcessor:
        return cls(config)

    def __repr__(self) -> str:
        return "GoCardlessProcessor()"

    def _call(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except (gc_errors.GoCardlessProError, requests.RequestException) as exc:
            raise _error(exc) from exc

    def create_customer(self, request: CustomerRequest) -> ProcessorCustomer:
        params: dict[str, Any] = {
            "company_name": request.name,
            "metadata": {"seatline_reference": request.reference[:500]},
        }
        if request.email:
            params["email"] = request.email
        if request.country:
            params["country_code"] = request.country
        customer = self._call(self._client.customers.create, params=params)
        return ProcessorCustomer(id=customer.id, name=customer.company_name or "", email=customer.email or "")

    def _method(self, mandate: Any) -> PaymentMethod:
        account = self._call(self._client.customer_bank_accounts.get, mandate.links.customer_bank_account)
        return PaymentMethod(
            token=mandate.id,
            customer_id=mandate.links.customer,
            kind=PaymentMethodKind.BANK_DEBIT,
            label=f"{mandate.scheme} •••• {account.account_number_ending}",
            ready=mandate.status == "active",
        )

    def add_payment_method(self, customer_id: str, source: PaymentSource) -> PaymentMethod:
        if isinstance(source, TokenSource):
            account_id = source.token
        else:
            params: dict[str, Any] = {
                "account_holder_name": source.account_holder_name,
                "country_code": source.country_code,
                "links": {"customer": customer_id},
            }
            if source.iban:
                params["iban"] = source.iban
            else:
                params.update(account_number=source.account_number, branch_code=source.branch_code)
            account_id = self._call(self._client.customer_bank_accounts.create, params=params).id
        mandate = self._call(
            self._client.mandates.create, params={"links": {"customer_bank_account": account_id}}
        )
        return self._method(mandate)

    def start_setup(self, request: SetupRequest) -> SetupSession:
        if request.kind != PaymentMethodKind.BANK_DEBIT:
            raise ProcessorUnsupportedError("GoCardless saves Direct Debit mandates only", field="kind")
        headers = {"Idempotency-Key": request.idempotency_key} if request.idempotency_key else None
        billing_request = self._call(
            self._client.billing_requests.create,
            params={
                "mandate_request": {"currency": request.currency.upper()},
                "links": {"customer": request.customer_id},
            },
            headers=headers,
        )
        flow = self._call(
            self._client.billing_request_flows.create,
            params={
                "redirect_uri": request.return_url,
                "exit_uri": request.cancel_url or request.return_url,
                "links": {"billing_request": billing_request.id},
            },
        )
        return SetupSession(id=billing_request.id, status=SetupStatus.OPEN, url=flow.authorisation_url)

    def get_setup(self, setup_id: str) -> SetupSession:
        billing_request = self._call(self._client.billing_requests.get, setup_id)
        if billing_request.status == "fulfilled":
            mandate = self._call(self._client.mandates.get, billing_request.links.mandate_request_mandate)
            return SetupSession(
                id=setup_id, status=SetupStatus.SUCCEEDED, payment_method=self._method(mandate)
            )
        if billing_request.status in ("cancelled", "failed"):
            return SetupSession(id=setup_id, status=SetupStatus.FAILED)
        return SetupSession(id=setup_id, status=SetupStatus.OPEN)

    def _charge(self, payment: Any, cause: str = "", message: str = "") -> Charge:
        currency = payment.currency.upper()
        status = PAYMENT_STATUS.get(payment.status, ChargeStatus.PENDING)
        return Charge(
            id=payment.id,
            status=status,
            amount=from_minor(payment.amount, currency),
            currency=currency,
            decline_code=decline_code(cause) if status == ChargeStatus.FAILED else None,
            processor_code=cause,
            message=message,
            payment_method_token=payment.links.mandate,
            created=parse_iso(payment.created_at),
        )

    def charge(self, request: ChargeRequest) -> Charge:
        params: dict[str, Any] = {
            "amount": to_minor(request.amount, request.currency),
            "currency": request.currency.upper(),
            "description": request.description or request.reference,
            "metadata": {"reference": request.reference[:500]},
            "links": {"mandate": request.payment_method_token},
        }
        if request.charge_date is not None:
            mandate = self._call(self._client.mandates.get, request.payment_method_token)
            earliest = dt.date.fromisoformat(mandate.next_possible_charge_date)
            params["charge_date"] = max(request.charge_date, earliest).isoformat()
        payment = self._call(
            self._client.payments.create, params=params, headers={"Idempotency-Key": request.idempotency_key}
        )
        return self._charge(payment)

    def get_charge(self, charge_id: str) -> Charge:
        payment = self._call(self._client.payments.get, charge_id)
        if PAYMENT_STATUS.get(payment.status) != ChargeStatus.FAILED:
            return self._charge(payment)
        failures = self._call(
            self._client.events.list, params={"payment": charge_id, "action": payment.status}
        )
        details = failures.records[0].details if failures.records else None
        return self._charge(
            payment, getattr(details, "cause", "") or "", getattr(details, "description", "") or ""
        )

    def refund(self, request: RefundRequest) -> Refund:
        payment = self._call(self._client.payments.get, request.charge_id)
        amount = to_minor(request.amount, request.currency)
        params = {
            "amount": amount,
            "total_amount_confirmation": payment.amount_refunded + amount,
            "links": {"payment": request.charge_id},
            "metadata": {"reason": request.reason[:500]} if request.reason else {},
        }
        refund = self._call(
            self._client.refunds.create, params=params, headers={"Idempotency-Key": request.idempotency_key}
        )
        currency = refund.currency.upper()
        return Refund(
            id=refund.id,
            charge_id=request.charge_id,
            status=REFUND_STATUS.get(refund.status, RefundStatus.PENDING),
            amount=from_minor(refund.amount, currency),
            currency=currency,
        )

    def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        raise ProcessorUnsupportedError(
            "the GoCardless connector has no hosted payment page; charge a mandate instead"
        )

    def get_checkout(self, session_id: str) -> CheckoutSession:
        raise ProcessorUnsupportedError("the GoCardless connector has no hosted payment page")

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> tuple[WebhookEvent, ...]:
        signature = header(headers, "Webhook-Signature")
        if not signature or not self._webhook_secret:
            raise WebhookSignatureError("the Webhook-Signature header or the webhook secret is missing")
        try:
            events = gc_webhooks.parse(body, self._webhook_secret, signature)
        except gc_errors.InvalidSignatureError as exc:
            raise WebhookSignatureError() from exc
        except (ValueError, KeyError, TypeError) as exc:
            raise WebhookSignatureError("the webhook body is not a GoCardless webhook") from exc
        return tuple(self._event(item) for item in events)

    def _event(self, item: Any) -> WebhookEvent:
        links = item.attributes.get("links") or {}
        details = item.attributes.get("details") or {}
        kind = EVENT_KINDS.get((item.resource_type, item.action), WebhookEventKind.OTHER)
        cause = details.get("cause") or ""
        return WebhookEvent(
            id=item.id,
            type=f"{item.resource_type}.{item.action}",
            kind=kind,
            occurred_at=parse_iso(item.created_at),
            object_id=links.get(item.resource_type[:-1], "") or links.get("mandate_request_mandate", ""),
            charge_id=links.get("payment", ""),
            refund_id=links.get("refund", ""),
            payment_method_token=links.get("mandate", "") or links.get("mandate_request_mandate", ""),
            decline_code=decline_code(cause) if kind == WebhookEventKind.CHARGE_FAILED else None,
            processor_code=cause if kind == WebhookEventKind.CHARGE_FAILED else "",
            message=details.get("description") or "",
        )
