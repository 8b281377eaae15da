# SPDX-License-Identifier: AGPL-3.0-or-later
"""The Authorize.Net connector, on the official `authorizenet` SDK (PyXB-X bindings, Python 3.11 OK).

* A customer is a customer profile; a payment method is a customer payment profile made from an
  Accept.js opaque-data token (`TokenSource`), so card numbers never pass through Seatline.
* Charges: `authCaptureTransaction` on the profile. Authorize.Net has no idempotency key: the
  connector sends `order.invoiceNumber` derived from the key (20 characters at most) and
  `duplicateWindow` = 28800 s (the maximum); a repeat within the window is refused as duplicate
  (reason 11) with the original `transId`, which the connector fetches and returns. Beyond 8 hours
  a retried key would charge again (documented limitation of the gateway).
* Refunds: `refundTransaction` (settled transactions only); a full refund of a transaction that has
  not settled yet is a `voidTransaction` instead, as Authorize.Net requires.
* Webhooks: `X-ANET-Signature: sha512=<HMAC-SHA512 of the body with the Signature Key>`.

The SDK keeps its endpoint in a class attribute that every controller constructor resets to the
sandbox (`setenvironment` after construction), so calls are serialised with a lock; and it logs
whole requests (credentials included) on errors, so its `authorizenet.sdk` logger is silenced.
Reason codes -> Seatline: 8 expired_card; 19-23, 25, 26, 57-63, 120-122 processing_error; any
other decline card_declined (the gateway has no distinct insufficient-funds or authentication reason).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from authorizenet import apicontractsv1
from authorizenet.apicontrollers import (
    createCustomerPaymentProfileController,
    createCustomerProfileController,
    createTransactionController,
    getCustomerPaymentProfileController,
    getTransactionDetailsController,
)
from authorizenet.constants import constants

from seatline.connectors.payment_errors import (
    ProcessorAuthError,
    ProcessorInvalidRequestError,
    ProcessorNotFoundError,
    ProcessorUnavailableError,
    ProcessorUnsupportedError,
    RefundExceedsPaymentError,
    WebhookSignatureError,
)
from seatline.connectors.payment_registry import register_processor
from seatline.connectors.payment_support import header, parse_iso
from seatline.connectors.payments import (
    BankAccountSource,
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
    WebhookEvent,
    WebhookEventKind,
)

logging.getLogger(constants.defaultLoggerName).setLevel(logging.CRITICAL + 1)  # never log requests (secrets)
_SDK_LOCK = threading.Lock()
DUPLICATE_WINDOW = "28800"
PROCESSING_REASONS = frozenset(
    {"19", "20", "21", "22", "23", "25", "26", "57", "58", "59", "60", "61", "62", "63", "120", "121", "122"}
)
AUTH_ERRORS = frozenset({"E00007", "E00008", "E00059"})
NOT_FOUND_ERRORS = frozenset({"E00040"})
EVENT_KINDS = {
    "net.authorize.payment.refund.created": WebhookEventKind.REFUND_SUCCEEDED,
    "net.authorize.customer.paymentProfile.created": WebhookEventKind.PAYMENT_METHOD_READY,
    "net.authorize.payment.void.created": WebhookEventKind.CHARGE_FAILED,
}


def decline_code(reason: str) -> DeclineCode:
    if reason == "8":
        return DeclineCode.EXPIRED_CARD
    if reason in PROCESSING_REASONS:
        return DeclineCode.PROCESSING_ERROR
    return DeclineCode.CARD_DECLINED


def invoice_number(idempotency_key: str) -> str:
    """The key itself when it fits Authorize.Net's 20 characters, else a 20-character digest of it."""
    if len(idempotency_key) <= 20:
        return idempotency_key
    return hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:20]


def _text(node: Any, *path: str) -> str:
    for name in path:
        node = getattr(node, name, None)
        if node is None:
            return ""
    return str(node)


@register_processor(ProcessorKind.AUTHORIZENET)
class AuthorizeNetProcessor:
    kind = ProcessorKind.AUTHORIZENET
    capabilities = ProcessorCapabilities(cards=True, refunds=True, partial_refunds=True, webhooks=True)

    def __init__(self, config: ProcessorConfig) -> None:
        self._login_id = config.account_id
        self._transaction_key = config.api_key
        self._signature_key = config.webhook_secret
        if config.base_url:
            base = config.base_url.rstrip("/")
            self._endpoint = base if base.endswith("request.api") else f"{base}/xml/v1/request.api"
        else:
            self._endpoint = constants.PRODUCTION if config.environment == "live" else constants.SANDBOX

    @classmethod
    def from_config(cls, config: ProcessorConfig) -> AuthorizeNetProcessor:
        return cls(config)

    def __repr__(self) -> str:
        return "AuthorizeNetProcessor()"

    def _auth(self) -> Any:
        auth = apicontractsv1.merchantAuthenticationType()
        auth.name = self._login_id
        auth.transactionKey = self._transaction_key
        return auth

    def _execute(self, controller_class: Any, request: Any, *, allow_error: bool = False) -> Any:
        """Run one API call; request-level errors raise unless `allow_error` (transactions)."""
        request.merchantAuthentication = self._auth()
        with _SDK_LOCK:
            controller = controller_class(request)
            controller.setenvironment(self._endpoint)
            controller.execute()
            response = controller.getresponse()
        if response is None:
            raise ProcessorUnavailableError("Authorize.Net could not be reached")
        result = _text(response, "messages", "resultCode")
        if result != "Ok" and not allow_error:
            code = _text(response.messages.message, "code")
            text = _text(response.messages.message, "text")
            error_class = (
                ProcessorAuthError
                if code in AUTH_ERRORS
                else ProcessorNotFoundError
                if code in NOT_FOUND_ERRORS
                else ProcessorInvalidRequestError
            )
            raise error_class(processor_code=code, processor_message=text)
        return response

    # -- profiles --------------------------------------------------------------------------
    def create_customer(self, request: CustomerRequest) -> ProcessorCustomer:
        profile = apicontractsv1.customerProfileType()
        profile.merchantCustomerId = request.reference[:20] or None
        profile.description = request.name[:255]
        if request.email:
            profile.email = request.email
        call = apicontractsv1.createCustomerProfileRequest()
        call.profile = profile
        response = self._execute(createCustomerProfileController, call)
        return ProcessorCustomer(id=str(response.customerProfileId), name=request.name, email=request.email)

    def add_payment_method(self, customer_id: str, source: PaymentSource) -> PaymentMethod:
        if isinstance(source, BankAccountSource):
            raise ProcessorUnsupportedError(
                "the Authorize.Net connector takes cards (Accept.js tokens) only", field="source"
            )
        opaque = apicontractsv1.opaqueDataType()
        opaque.dataDescriptor = "COMMON.ACCEPT.INAPP.PAYMENT"
        opaque.dataValue = source.token
        payment = apicontractsv1.paymentType()
        payment.opaqueData = opaque
        profile = apicontractsv1.customerPaymentProfileType()
        profile.payment = payment
        call = apicontractsv1.createCustomerPaymentProfileRequest()
        call.customerProfileId = customer_id
        call.paymentProfile = profile
        call.validationMode = "none"
        response = self._execute(createCustomerPaymentProfileController, call)
        payment_profile_id = str(response.customerPaymentProfileId)
        details = apicontractsv1.getCustomerPaymentProfileRequest()
        details.customerProfileId = customer_id
        details.customerPaymentProfileId = payment_profile_id
        found = self._execute(getCustomerPaymentProfileController, details)
        card = found.paymentProfile.payment.creditCard
        return PaymentMethod(
            token=f"{customer_id}/{payment_profile_id}",
            customer_id=customer_id,
            kind=PaymentMethodKind.CARD,
            label=f"{str(card.cardType).lower()} •••• {str(card.cardNumber)[-4:]}",
        )

    def start_setup(self, request: SetupRequest) -> SetupSession:
        raise ProcessorUnsupportedError(
            "the Authorize.Net connector has no hosted setup page yet; use Accept.js tokens"
        )

    def get_setup(self, setup_id: str) -> SetupSession:
        raise ProcessorUnsupportedError("the Authorize.Net connector has no hosted setup page yet")

    # -- transactions ----------------------------------------------------------------------
    def _transaction(self, transaction: Any) -> Any:
        call = apicontractsv1.createTransactionRequest()
        call.transactionRequest = transaction
        return self._execute(createTransactionController, call, allow_error=True)

    def get_charge(self, charge_id: str) -> Charge:
        call = apicontractsv1.getTransactionDetailsRequest()
        call.transId = charge_id
        tx = self._execute(getTransactionDetailsController, call).transaction
        code, reason = _text(tx, "responseCode"), _text(tx, "responseReasonCode")
        ok = code == "1" and _text(tx, "transactionStatus") not in ("voided", "declined")
        amount = Decimal(_text(tx, "authAmount") or "0")
        profile = getattr(tx, "profile", None)
        token = (
            f"{_text(profile, 'customerProfileId')}/{_text(profile, 'customerPaymentProfileId')}"
            if profile is not None
            else ""
        )
        return Charge(
            id=_text(tx, "transId"),
            status=ChargeStatus.SUCCEEDED if ok else ChargeStatus.FAILED,
            amount=amount.quantize(Decimal("0.01")),
            currency="USD",
            decline_code=None if ok else decline_code(reason),
            processor_code="" if ok else reason,
            message="" if ok else _text(tx, "responseReasonDescription"),
            payment_method_token=token,
            created=parse_iso(_text(tx, "submitTimeUTC")),
        )

    def charge(self, request: ChargeRequest) -> Charge:
        if request.currency.upper() != "USD":
            raise ProcessorInvalidRequestError("this Authorize.Net account charges USD", field="currency")
        customer_profile_id, _, payment_profile_id = request.payment_method_token.partition("/")
        transaction = apicontractsv1.transactionRequestType()
        transaction.transactionType = "authCaptureTransaction"
        transaction.amount = request.amount.quantize(Decimal("0.01"))
        profile = apicontractsv1.customerProfilePaymentType()
        profile.customerProfileId = customer_profile_id
        profile.paymentProfile = apicontractsv1.paymentProfile()
        profile.paymentProfile.paymentProfileId = payment_profile_id
        transaction.profile = profile
        order = apicontractsv1.orderType()
        order.invoiceNumber = invoice_number(request.idempotency_key)
        order.description = (request.description or request.reference)[:255]
        transaction.order = order
        setting = apicontractsv1.settingType()
        setting.settingName = "duplicateWindow"
        setting.settingValue = DUPLICATE_WINDOW
        transaction.transactionSettings = apicontractsv1.ArrayOfSetting()
        transaction.transactionSettings.setting.append(setting)
        response = self._transaction(transaction)
        result = getattr(response, "transactionResponse", None)
        if result is None:
            code = _text(response.messages.message, "code")
            error_class = ProcessorAuthError if code in AUTH_ERRORS else ProcessorInvalidRequestError
            raise error_class(processor_code=code, processor_message=_text(response.messages.message, "text"))
        reason = _text(result.errors.error, "errorCode") if hasattr(result, "errors") else "1"
        if reason == "11" and _text(result, "transId") not in ("", "0"):
            return self.get_charge(_text(result, "transId"))  # the duplicate: the first attempt's outcome
        return self.get_charge(_text(result, "transId"))

    def refund(self, request: RefundRequest) -> Refund:
        original = self.get_charge(request.charge_id)
        transaction = apicontractsv1.transactionRequestType()
        transaction.transactionType = "refundTransaction"
        transaction.amount = request.amount.quantize(Decimal("0.01"))
        transaction.refTransId = request.charge_id
        customer_profile_id, _, payment_profile_id = original.payment_method_token.partition("/")
        profile = apicontractsv1.customerProfilePaymentType()
        profile.customerProfileId = customer_profile_id
        profile.paymentProfile = apicontractsv1.paymentProfile()
        profile.paymentProfile.paymentProfileId = payment_profile_id
        transaction.profile = profile
        result = self._transaction(transaction).transactionResponse
        reason = _text(result.errors.error, "errorCode") if hasattr(result, "errors") else "1"
        if reason == "54" and request.amount == original.amount:
            void = apicontractsv1.transactionRequestType()
            void.transactionType = "voidTransaction"
            void.refTransId = request.charge_id
            result = self._transaction(void).transactionResponse
            reason = _text(result.errors.error, "errorCode") if hasattr(result, "errors") else "1"
        if reason == "55":
            raise RefundExceedsPaymentError(
                processor_code=reason, processor_message=_text(result.errors.error, "errorText")
            )
        if reason != "1":
            raise ProcessorInvalidRequestError(
                "Authorize.Net refused the refund (a partial refund needs the payment settled)",
                processor_code=reason,
                processor_message=_text(result.errors.error, "errorText"),
            )
        return Refund(
            id=_text(result, "transId"),
            charge_id=request.charge_id,
            status=RefundStatus.SUCCEEDED,
            amount=request.amount,
            currency=request.currency.upper(),
        )

    def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        raise ProcessorUnsupportedError("the Authorize.Net connector has no hosted payment page yet")

    def get_checkout(self, session_id: str) -> CheckoutSession:
        raise ProcessorUnsupportedError("the Authorize.Net connector has no hosted payment page yet")

    # -- webhooks --------------------------------------------------------------------------
    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> tuple[WebhookEvent, ...]:
        signature = header(headers, "X-ANET-Signature")
        if not signature.lower().startswith("sha512=") or not self._signature_key:
            raise WebhookSignatureError("the X-ANET-Signature header or the Signature Key is missing")
        expected = hmac.new(self._signature_key.encode("utf-8"), body, hashlib.sha512).hexdigest()
        if not hmac.compare_digest(expected.upper(), signature[7:].strip().upper()):
            raise WebhookSignatureError()
        try:
            notification = json.loads(body)
            payload = notification["payload"]
            event_type = str(notification["eventType"])
        except (ValueError, KeyError, TypeError) as exc:
            raise WebhookSignatureError("the webhook body is not an Authorize.Net notification") from exc
        kind = EVENT_KINDS.get(event_type, WebhookEventKind.OTHER)
        values: dict[str, Any] = {"object_id": str(payload.get("id", ""))}
        if event_type == "net.authorize.payment.authcapture.created":
            approved = int(payload.get("responseCode", 0)) == 1
            kind = WebhookEventKind.CHARGE_SUCCEEDED if approved else WebhookEventKind.CHARGE_FAILED
            values.update(
                charge_id=values["object_id"], decline_code=None if approved else DeclineCode.CARD_DECLINED
            )
        elif event_type == "net.authorize.payment.void.created":
            values.update(
                charge_id=values["object_id"], decline_code=DeclineCode.PROCESSING_ERROR, message="voided"
            )
        elif event_type == "net.authorize.payment.refund.created":
            values.update(refund_id=values["object_id"])
        elif event_type == "net.authorize.customer.paymentProfile.created":
            values.update(
                payment_method_token=f"{payload.get('customerProfileId', '')}/{values['object_id']}"
            )
        return (
            WebhookEvent(
                id=str(notification.get("notificationId", "")),
                type=event_type,
                kind=kind,
                occurred_at=parse_iso(notification.get("eventDate")),
                **values,
            ),
        )
