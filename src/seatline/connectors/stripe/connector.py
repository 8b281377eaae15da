# SPDX-License-Identifier: AGPL-3.0-or-later
"""The Stripe connector, on the official `stripe` SDK.

* Customers: `v1.customers`. Saving a card: a SetupIntent confirmed with the PaymentMethod (a
  token from Stripe.js / Elements, or a test token such as `pm_card_visa`), `usage=off_session`;
  or the hosted flow, a Checkout Session in `mode=setup`.
* Charges: a PaymentIntent created with `confirm=true, off_session=true` and the caller's
  idempotency key (the SDK sends it as `Idempotency-Key`); the PaymentIntent id is the processor
  transaction id. A decline is Stripe's `CardError` (402): it becomes a FAILED `Charge`.
* Refunds: `v1.refunds` on the PaymentIntent, in minor units, with an idempotency key.
* PayNow: a Checkout Session in `mode=payment`. Webhooks: `stripe.Webhook.construct_event`.

`ProcessorConfig.base_url` points the client at the simulator (`base_addresses={"api": url}`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import stripe

from seatline.connectors.payment_errors import (
    ProcessorAuthError,
    ProcessorError,
    ProcessorIdempotencyError,
    ProcessorInvalidRequestError,
    ProcessorNotFoundError,
    ProcessorUnavailableError,
    ProcessorUnsupportedError,
    RefundExceedsPaymentError,
    WebhookSignatureError,
)
from seatline.connectors.payment_registry import register_processor
from seatline.connectors.payment_support import from_minor, from_unix, header, to_minor
from seatline.connectors.payments import (
    BankAccountSource,
    Charge,
    ChargeRequest,
    ChargeStatus,
    CheckoutRequest,
    CheckoutSession,
    CheckoutStatus,
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
    WebhookEvent,
    WebhookEventKind,
)

WEBHOOK_TOLERANCE = 300  # seconds, Stripe's default

_EVENT_KINDS = {
    "payment_intent.succeeded": WebhookEventKind.CHARGE_SUCCEEDED,
    "payment_intent.payment_failed": WebhookEventKind.CHARGE_FAILED,
    "payment_intent.processing": WebhookEventKind.CHARGE_PENDING,
    "refund.created": WebhookEventKind.REFUND_SUCCEEDED,
    "refund.updated": WebhookEventKind.REFUND_SUCCEEDED,
    "refund.failed": WebhookEventKind.REFUND_FAILED,
    "setup_intent.succeeded": WebhookEventKind.PAYMENT_METHOD_READY,
    "checkout.session.completed": WebhookEventKind.CHECKOUT_COMPLETED,
}


def decline_code(code: str | None, decline: str | None) -> DeclineCode:
    """Stripe's error `code` / `decline_code` in Seatline's words."""
    if code == "expired_card" or decline == "expired_card":
        return DeclineCode.EXPIRED_CARD
    if "authentication_required" in (code, decline):
        return DeclineCode.AUTHENTICATION_REQUIRED
    if decline == "insufficient_funds":
        return DeclineCode.INSUFFICIENT_FUNDS
    if code == "processing_error" or decline == "processing_error":
        return DeclineCode.PROCESSING_ERROR
    if code in (
        "card_declined",
        "incorrect_cvc",
        "incorrect_number",
        "invalid_cvc",
        "card_decline_rate_limit_exceeded",
    ):
        return DeclineCode.CARD_DECLINED
    return DeclineCode.PROCESSING_ERROR


def _error(exc: stripe.StripeError) -> ProcessorError:
    """The Seatline error for an SDK exception (never a CardError: that is a decline)."""
    body = (exc.json_body or {}).get("error", {}) if isinstance(exc.json_body, dict) else {}
    details = {
        "processor_code": str(body.get("code") or body.get("type") or ""),
        "processor_message": str(body.get("message") or exc.user_message or ""),
        "http_status": exc.http_status,
        "request_id": exc.request_id or "",
    }
    if isinstance(exc, stripe.AuthenticationError | stripe.PermissionError):
        return ProcessorAuthError(**details)
    if isinstance(exc, stripe.IdempotencyError):
        return ProcessorIdempotencyError(**details)
    if isinstance(exc, stripe.RateLimitError):
        return ProcessorUnavailableError("Stripe is rate limiting requests; retry later", **details)
    if isinstance(exc, stripe.APIConnectionError):
        return ProcessorUnavailableError("Stripe could not be reached", **details)
    if isinstance(exc, stripe.InvalidRequestError):
        if body.get("code") in ("amount_too_large", "charge_already_refunded"):
            return RefundExceedsPaymentError(field="amount", **details)
        if exc.http_status == 404:
            return ProcessorNotFoundError(field=body.get("param") or None, **details)
        return ProcessorInvalidRequestError(field=body.get("param") or None, **details)
    if exc.http_status is not None and exc.http_status >= 500:
        return ProcessorUnavailableError(f"Stripe failed with HTTP {exc.http_status}", **details)
    return ProcessorError(**details)


@register_processor(ProcessorKind.STRIPE)
class StripeProcessor:
    kind = ProcessorKind.STRIPE
    capabilities = ProcessorCapabilities(
        cards=True,
        refunds=True,
        partial_refunds=True,
        hosted_payment_page=True,
        hosted_setup_page=True,
        webhooks=True,
    )

    def __init__(self, config: ProcessorConfig, *, max_network_retries: int = 2) -> None:
        self._webhook_secret = config.webhook_secret
        base = {"api": config.base_url.rstrip("/")} if config.base_url else None
        self._client = stripe.StripeClient(
            config.api_key,
            base_addresses=base,  # type: ignore[arg-type]
            http_client=stripe.RequestsClient(timeout=config.timeout),
            max_network_retries=max_network_retries,
        )

    @classmethod
    def from_config(cls, config: ProcessorConfig) -> StripeProcessor:
        return cls(config)

    def __repr__(self) -> str:
        return "StripeProcessor()"

    def _call(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except stripe.CardError:
            raise
        except stripe.StripeError as exc:
            raise _error(exc) from exc

    # -- customers and payment methods ----------------------------------------------------
    def create_customer(self, request: CustomerRequest) -> ProcessorCustomer:
        params: dict[str, Any] = {"name": request.name, "metadata": {"seatline_reference": request.reference}}
        if request.email:
            params["email"] = request.email
        customer = self._call(self._client.v1.customers.create, params=params)
        return ProcessorCustomer(id=customer.id, name=customer.name or "", email=customer.email or "")

    def _method(self, method: Any) -> PaymentMethod:
        card = method.card
        return PaymentMethod(
            token=method.id,
            customer_id=method.customer or "",
            kind=PaymentMethodKind.CARD,
            label=f"{card.brand} •••• {card.last4}" if card else method.type,
            expiry_month=card.exp_month if card else None,
            expiry_year=card.exp_year if card else None,
        )

    def add_payment_method(self, customer_id: str, source: PaymentSource) -> PaymentMethod:
        if isinstance(source, BankAccountSource):
            raise ProcessorUnsupportedError(
                "bank details are not taken by the Stripe connector", field="source"
            )
        params = {
            "customer": customer_id,
            "payment_method": source.token,
            "confirm": True,
            "usage": "off_session",
            "payment_method_types": ["card"],
        }
        try:
            intent = self._call(self._client.v1.setup_intents.create, params=params)
        except stripe.CardError as exc:
            raise ProcessorInvalidRequestError(
                "Stripe refused to save the card",
                processor_code=exc.code or "",
                processor_message=exc.user_message or "",
                http_status=exc.http_status,
                field="source",
            ) from exc
        method = self._call(self._client.v1.payment_methods.retrieve, intent.payment_method)
        return self._method(method)

    def start_setup(self, request: SetupRequest) -> SetupSession:
        if request.kind != PaymentMethodKind.CARD:
            raise ProcessorUnsupportedError("the Stripe connector saves cards only", field="kind")
        params = {
            "mode": "setup",
            "customer": request.customer_id,
            "currency": request.currency.lower(),
            "payment_method_types": ["card"],
            "success_url": request.return_url,
            "cancel_url": request.cancel_url or request.return_url,
        }
        options = {"idempotency_key": request.idempotency_key} if request.idempotency_key else None
        session = self._call(self._client.v1.checkout.sessions.create, params=params, options=options)
        return SetupSession(id=session.id, status=SetupStatus.OPEN, url=session.url or "")

    def get_setup(self, setup_id: str) -> SetupSession:
        session = self._call(self._client.v1.checkout.sessions.retrieve, setup_id)
        if session.status == "expired":
            return SetupSession(id=session.id, status=SetupStatus.FAILED)
        if session.status != "complete" or not session.setup_intent:
            return SetupSession(id=session.id, status=SetupStatus.OPEN, url=session.url or "")
        intent = self._call(self._client.v1.setup_intents.retrieve, session.setup_intent)
        method = self._call(self._client.v1.payment_methods.retrieve, intent.payment_method)
        return SetupSession(id=session.id, status=SetupStatus.SUCCEEDED, payment_method=self._method(method))

    # -- charges and refunds --------------------------------------------------------------
    def _charge(self, intent: Any, error: Mapping[str, Any] | None = None) -> Charge:
        currency = intent.currency.upper()
        if intent.status == "succeeded":
            status, code = ChargeStatus.SUCCEEDED, None
        elif intent.status == "processing":
            status, code = ChargeStatus.PENDING, None
        else:
            status = ChargeStatus.FAILED
            failure = error or (intent.last_payment_error.to_dict() if intent.last_payment_error else {})
            if intent.status == "requires_action":
                failure = {
                    "code": "authentication_required",
                    "message": "the payment needs the customer's authentication",
                }
            code = failure
        return Charge(
            id=intent.id,
            status=status,
            amount=from_minor(intent.amount, currency),
            currency=currency,
            decline_code=decline_code(code.get("code"), code.get("decline_code"))
            if code is not None
            else None,
            processor_code=str((code or {}).get("decline_code") or (code or {}).get("code") or ""),
            message=str((code or {}).get("message") or ""),
            payment_method_token=(intent.payment_method if isinstance(intent.payment_method, str) else "")
            or "",
            created=from_unix(intent.created),
        )

    def charge(self, request: ChargeRequest) -> Charge:
        params: dict[str, Any] = {
            "amount": to_minor(request.amount, request.currency),
            "currency": request.currency.lower(),
            "customer": request.customer_id,
            "payment_method": request.payment_method_token,
            "confirm": True,
            "off_session": True,
            "payment_method_types": ["card"],
            "metadata": {"reference": request.reference},
        }
        if request.description:
            params["description"] = request.description
        try:
            intent = self._call(
                self._client.v1.payment_intents.create,
                params=params,
                options={"idempotency_key": request.idempotency_key},
            )
        except stripe.CardError as exc:
            body = (exc.json_body or {}).get("error", {})
            intent_body = body.get("payment_intent")
            if not intent_body:
                raise ProcessorError(
                    "Stripe declined the charge without a PaymentIntent", processor_code=exc.code or ""
                ) from exc
            intent = stripe.PaymentIntent.construct_from(intent_body, "")
            return self._charge(intent, body)
        return self._charge(intent)

    def get_charge(self, charge_id: str) -> Charge:
        return self._charge(self._call(self._client.v1.payment_intents.retrieve, charge_id))

    def refund(self, request: RefundRequest) -> Refund:
        params = {
            "payment_intent": request.charge_id,
            "amount": to_minor(request.amount, request.currency),
            "metadata": {"reason": request.reason} if request.reason else {},
        }
        refund = self._call(
            self._client.v1.refunds.create,
            params=params,
            options={"idempotency_key": request.idempotency_key},
        )
        return self._refund(refund)

    def _refund(self, refund: Any) -> Refund:
        status = {
            "succeeded": RefundStatus.SUCCEEDED,
            "failed": RefundStatus.FAILED,
            "canceled": RefundStatus.FAILED,
        }
        currency = refund.currency.upper()
        return Refund(
            id=refund.id,
            charge_id=refund.payment_intent or "",
            status=status.get(refund.status, RefundStatus.PENDING),
            amount=from_minor(refund.amount, currency),
            currency=currency,
            message=refund.failure_reason or "" if hasattr(refund, "failure_reason") else "",
        )

    # -- PayNow ---------------------------------------------------------------------------
    def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        intent_data: dict[str, Any] = {
            "description": request.description,
            "metadata": {"reference": request.reference},
        }
        if request.save_payment_method and request.customer_id:
            intent_data["setup_future_usage"] = "off_session"
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": request.currency.lower(),
                        "unit_amount": to_minor(request.amount, request.currency),
                        "product_data": {"name": request.description or request.reference},
                    },
                }
            ],
            "payment_method_types": ["card"],
            "client_reference_id": request.reference,
            "payment_intent_data": intent_data,
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "metadata": {"reference": request.reference},
        }
        if request.customer_id:
            params["customer"] = request.customer_id
        elif request.customer_email:
            params["customer_email"] = request.customer_email
        session = self._call(
            self._client.v1.checkout.sessions.create,
            params=params,
            options={"idempotency_key": request.idempotency_key},
        )
        return self._session(session)

    def _session(self, session: Any) -> CheckoutSession:
        status = {"complete": CheckoutStatus.COMPLETE, "expired": CheckoutStatus.EXPIRED}.get(
            session.status, CheckoutStatus.OPEN
        )
        method = None
        intent_id = session.payment_intent if isinstance(session.payment_intent, str) else ""
        if status == CheckoutStatus.COMPLETE and intent_id:
            intent = self._call(self._client.v1.payment_intents.retrieve, intent_id)
            if intent.setup_future_usage and intent.payment_method:
                method = self._method(
                    self._call(self._client.v1.payment_methods.retrieve, intent.payment_method)
                )
        return CheckoutSession(
            id=session.id,
            status=status,
            url=session.url or "",
            charge_id=intent_id if status == CheckoutStatus.COMPLETE else "",
            payment_method=method,
            expires_at=from_unix(session.expires_at),
        )

    def get_checkout(self, session_id: str) -> CheckoutSession:
        return self._session(self._call(self._client.v1.checkout.sessions.retrieve, session_id))

    # -- webhooks -------------------------------------------------------------------------
    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> tuple[WebhookEvent, ...]:
        signature = header(headers, "Stripe-Signature")
        if not signature or not self._webhook_secret:
            raise WebhookSignatureError("the Stripe-Signature header or the webhook secret is missing")
        try:
            event = stripe.Webhook.construct_event(body, signature, self._webhook_secret, WEBHOOK_TOLERANCE)
        except stripe.SignatureVerificationError as exc:
            raise WebhookSignatureError(processor_message=str(exc)) from exc
        except ValueError as exc:
            raise WebhookSignatureError("the webhook body is not a Stripe event") from exc
        return (self._event(event),)

    def _event(self, event: Any) -> WebhookEvent:
        obj = event.data.object
        kind = _EVENT_KINDS.get(event.type, WebhookEventKind.OTHER)
        values: dict[str, Any] = {"object_id": getattr(obj, "id", "") or ""}
        if event.type.startswith("payment_intent."):
            values["charge_id"] = obj.id
            values["payment_method_token"] = obj.payment_method or ""
            error = obj.last_payment_error.to_dict() if obj.last_payment_error else None
            if kind == WebhookEventKind.CHARGE_FAILED and error is not None:
                values["decline_code"] = decline_code(error.get("code"), error.get("decline_code"))
                values["processor_code"] = error.get("decline_code") or error.get("code") or ""
                values["message"] = error.get("message") or ""
        elif event.type.startswith("refund."):
            values["refund_id"] = obj.id
            values["charge_id"] = obj.payment_intent or ""
            if kind == WebhookEventKind.REFUND_SUCCEEDED and obj.status != "succeeded":
                kind = (
                    WebhookEventKind.REFUND_FAILED
                    if obj.status in ("failed", "canceled")
                    else WebhookEventKind.OTHER
                )
        elif event.type == "setup_intent.succeeded":
            values["payment_method_token"] = obj.payment_method or ""
        elif event.type == "checkout.session.completed":
            values["charge_id"] = obj.payment_intent or ""
            values["reference"] = obj.client_reference_id or ""
        return WebhookEvent(
            id=event.id, type=event.type, kind=kind, occurred_at=from_unix(event.created), **values
        )
