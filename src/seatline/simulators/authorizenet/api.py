# SPDX-License-Identifier: AGPL-3.0-or-later
"""The Authorize.Net API operations the connector uses, one XML endpoint: `POST /xml/v1/request.api`.

* `createCustomerProfileRequest`, `createCustomerPaymentProfileRequest` (a `creditCard`, or
  `opaqueData` whose value is a simulator nonce `nonce-<card number>` standing for Accept.js),
  `getCustomerPaymentProfileRequest`.
* `createTransactionRequest`: `authCaptureTransaction` on a profile (or a card), `refundTransaction`
  (settled transactions only: error 54 before; error 55 above what is left), `voidTransaction`
  (unsettled only). Duplicate check: the same payment profile, amount and invoice number within
  `duplicateWindow` seconds (default 120, simulator clock) answers error 11 with the original
  transaction's `transId` and changes nothing.
* `getTransactionDetailsRequest`.
* Settlement: transactions captured before 00:00 (simulator clock) settle when the clock passes it.

Test cards: 4111111111111111 and 4007000000027 pay; the simulator's 4000000000000002 card_declined,
4000000000009995 insufficient_funds, 4000000000000069 expired_card, 4000002760003184
authentication_required, 4000000000000119 processing_error. The real gateway has no distinct
reason for insufficient funds or authentication: those decline with reason 2 like any decline.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from seatline.simulators.authorizenet.xmlio import Node, messages, render
from seatline.simulators.base import behaviours as b
from seatline.simulators.base import webhooks
from seatline.simulators.base.clock import fmt_instant, midnight, parse_instant, plain

TEST_CARDS = {
    "4111111111111111": b.SUCCEED,
    "4007000000027": b.SUCCEED,
    "4000000000000002": b.CARD_DECLINED,
    "4000000000009995": b.INSUFFICIENT_FUNDS,
    "4000000000000069": b.EXPIRED_CARD,
    "4000002760003184": b.AUTHENTICATION_REQUIRED,
    "4000000000000119": b.PROCESSING_ERROR,
}
# behaviour -> (responseCode, reason code, reason text)
OUTCOMES = {
    b.SUCCEED: ("1", "1", "This transaction has been approved."),
    b.CARD_DECLINED: ("2", "2", "This transaction has been declined."),
    b.INSUFFICIENT_FUNDS: ("2", "2", "This transaction has been declined."),
    b.AUTHENTICATION_REQUIRED: ("2", "2", "This transaction has been declined."),
    b.EXPIRED_CARD: ("3", "8", "The credit card has expired."),
    b.PROCESSING_ERROR: ("3", "19", "An error occurred during processing. Please try again in 5 minutes."),
}
DEFAULT_DUPLICATE_WINDOW = 120


class AnetError(Exception):
    """A request-level error: `messages/resultCode=Error` with code E000xx."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


def _number(length: int) -> str:
    return str(secrets.randbelow(9 * 10 ** (length - 1)) + 10 ** (length - 1))


def _amount(value: Any, field: str = "amount") -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise AnetError("E00003", f"The '{field}' element is invalid.") from exc
    if not amount.is_finite() or amount <= 0:
        raise AnetError("E00027", "A valid amount is required.")
    return amount.quantize(Decimal("0.01"))


def _card(payment: dict[str, Any]) -> tuple[str, str]:
    """(card number, expiry) from `creditCard` or a simulator Accept nonce."""
    if isinstance(payment.get("creditCard"), dict):
        card = payment["creditCard"]
        return str(card.get("cardNumber") or ""), str(card.get("expirationDate") or "")
    opaque = payment.get("opaqueData")
    if isinstance(opaque, dict) and str(opaque.get("dataValue", "")).startswith("nonce-"):
        return str(opaque["dataValue"]).removeprefix("nonce-"), "2030-12"
    raise AnetError("E00114", "Invalid OTS Token.")


# -- profiles -------------------------------------------------------------------------------
def new_payment_profile(state: Any, profile_id: str, payment: dict[str, Any]) -> str:
    number, expiry = _card(payment)
    if not number.isdigit() or not 13 <= len(number) <= 16:
        raise AnetError("E00013", "Card Number is invalid.")
    payment_profile_id = _number(9)
    state.data["payment_profiles"][payment_profile_id] = {
        "customerProfileId": profile_id,
        "cardNumber": "XXXX" + number[-4:],
        "expirationDate": "XXXX",
        "cardType": "Visa" if number.startswith("4") else "MasterCard",
    }
    state.data["intrinsic"][payment_profile_id] = TEST_CARDS.get(number, b.SUCCEED)
    state.data["customer_profiles"][profile_id]["paymentProfiles"].append(payment_profile_id)
    notify(
        state,
        "net.authorize.customer.paymentProfile.created",
        {"customerProfileId": profile_id, "entityName": "customerPaymentProfile", "id": payment_profile_id},
    )
    return payment_profile_id


def create_customer_profile(state: Any, body: dict[str, Any]) -> list[Node]:
    profile = body.get("profile") or {}
    if not isinstance(profile, dict) or not (
        profile.get("merchantCustomerId") or profile.get("email") or profile.get("description")
    ):
        raise AnetError("E00041", "One or more fields in the profile must contain a value.")
    for existing_id, existing in state.data["customer_profiles"].items():
        if profile.get("merchantCustomerId") and existing["merchantCustomerId"] == profile.get(
            "merchantCustomerId"
        ):
            raise AnetError("E00039", f"A duplicate record with ID {existing_id} already exists.")
    profile_id = _number(9)
    state.data["customer_profiles"][profile_id] = {
        "merchantCustomerId": profile.get("merchantCustomerId") or "",
        "description": profile.get("description") or "",
        "email": profile.get("email") or "",
        "paymentProfiles": [],
    }
    notify(state, "net.authorize.customer.created", {"entityName": "customerProfile", "id": profile_id})
    return [
        ("customerProfileId", profile_id),
        ("customerPaymentProfileIdList", []),
        ("customerShippingAddressIdList", []),
        ("validationDirectResponseList", []),
    ]


def create_customer_payment_profile(state: Any, body: dict[str, Any]) -> list[Node]:
    profile_id = str(body.get("customerProfileId") or "")
    if profile_id not in state.data["customer_profiles"]:
        raise AnetError("E00040", "The record cannot be found.")
    payment = (body.get("paymentProfile") or {}).get("payment") or {}
    payment_profile_id = new_payment_profile(state, profile_id, payment)
    return [("customerProfileId", profile_id), ("customerPaymentProfileId", payment_profile_id)]


def get_customer_payment_profile(state: Any, body: dict[str, Any]) -> list[Node]:
    found = state.data["payment_profiles"].get(str(body.get("customerPaymentProfileId") or ""))
    if found is None or found["customerProfileId"] != str(body.get("customerProfileId") or ""):
        raise AnetError("E00040", "The record cannot be found.")
    return [
        (
            "paymentProfile",
            [
                ("customerProfileId", found["customerProfileId"]),
                ("customerPaymentProfileId", str(body["customerPaymentProfileId"])),
                (
                    "payment",
                    [
                        (
                            "creditCard",
                            [
                                ("cardNumber", found["cardNumber"]),
                                ("expirationDate", found["expirationDate"]),
                                ("cardType", found["cardType"]),
                            ],
                        )
                    ],
                ),
            ],
        )
    ]


# -- transactions ---------------------------------------------------------------------------
def _transaction_response(tx: dict[str, Any], code: str, reason: str, text: str) -> Node:
    ok = code == "1"
    detail: Node = (
        ("messages", [("message", [("code", reason), ("description", text)])])
        if ok
        else ("errors", [("error", [("errorCode", reason), ("errorText", text)])])
    )
    return (
        "transactionResponse",
        [
            ("responseCode", code),
            ("authCode", tx.get("authCode", "")),
            ("avsResultCode", "Y" if ok else "P"),
            ("cvvResultCode", ""),
            ("cavvResultCode", ""),
            ("transId", tx["transId"]),
            ("refTransID", tx.get("refTransId", "")),
            ("transHash", ""),
            ("testRequest", "0"),
            ("accountNumber", tx.get("accountNumber", "")),
            ("accountType", tx.get("accountType", "Visa")),
            detail,
        ],
    )


def _settled(state: Any, tx: dict[str, Any]) -> bool:
    return state.now() >= midnight(parse_instant(tx["submitTimeUTC"]).date() + dt.timedelta(days=1))


def _auth_capture(
    state: Any, request: dict[str, Any], settings: dict[str, str]
) -> tuple[dict[str, Any], str, str, str]:
    amount = _amount(request.get("amount"))
    invoice = str((request.get("order") or {}).get("invoiceNumber") or "")
    profile = request.get("profile") or {}
    if profile:
        profile_id = str(profile.get("customerProfileId") or "")
        payment_profile_id = str((profile.get("paymentProfile") or {}).get("paymentProfileId") or "")
        found = state.data["payment_profiles"].get(payment_profile_id)
        if found is None or found["customerProfileId"] != profile_id:
            raise AnetError("E00040", "Customer Profile ID or Customer Payment Profile ID not found.")
        account, behaviour_key = found["cardNumber"], payment_profile_id
        behaviour = b.behaviour_of(state, payment_profile_id, state.data["intrinsic"][payment_profile_id])
    else:
        number, _ = _card(request.get("payment") or {})
        account, behaviour_key, profile_id, payment_profile_id = "XXXX" + number[-4:], number, "", ""
        behaviour = b.behaviour_of(state, number, TEST_CARDS.get(number, b.SUCCEED))
    window = int(settings.get("duplicateWindow", DEFAULT_DUPLICATE_WINDOW))
    for earlier in reversed(list(state.data["transactions"].values())):
        age = (state.now() - parse_instant(earlier["submitTimeUTC"])).total_seconds()
        if (
            earlier["transactionType"] == "authCaptureTransaction"
            and earlier["behaviourKey"] == behaviour_key
            and earlier["authAmount"] == plain(amount)
            and earlier["invoiceNumber"] == invoice
            and age <= window
        ):
            return earlier, "3", "11", "A duplicate transaction has been submitted."
    code, reason, text = OUTCOMES[behaviour]
    tx = {
        "transId": _number(11),
        "transactionType": "authCaptureTransaction",
        "submitTimeUTC": fmt_instant(state.now()),
        "transactionStatus": "capturedPendingSettlement"
        if code == "1"
        else ("declined" if code == "2" else "generalError"),
        "responseCode": code,
        "responseReasonCode": reason,
        "responseReasonDescription": text,
        "authCode": _number(6) if code == "1" else "",
        "authAmount": plain(amount),
        "refunded": "0.00",
        "invoiceNumber": invoice,
        "customerProfileId": profile_id,
        "paymentProfileId": payment_profile_id,
        "accountNumber": account,
        "behaviourKey": behaviour_key,
    }
    state.data["transactions"][tx["transId"]] = tx
    notify(
        state,
        "net.authorize.payment.authcapture.created",
        {
            "responseCode": int(code),
            "authCode": tx["authCode"],
            "avsResponse": "Y",
            "authAmount": float(amount),
            "invoiceNumber": invoice,
            "entityName": "transaction",
            "id": tx["transId"],
        },
    )
    return tx, code, reason, text


def _original(state: Any, request: dict[str, Any]) -> dict[str, Any]:
    original = state.data["transactions"].get(str(request.get("refTransId") or ""))
    if original is None or original["transactionType"] != "authCaptureTransaction":
        raise AnetError("E00027", "The transaction was unsuccessful.")
    return original


def _refund(state: Any, request: dict[str, Any]) -> tuple[dict[str, Any], str, str, str]:
    original = _original(state, request)
    amount = _amount(request.get("amount"))
    base = {
        "transId": _number(11),
        "refTransId": original["transId"],
        "accountNumber": original["accountNumber"],
    }
    if original["transactionStatus"] not in (
        "capturedPendingSettlement",
        "settledSuccessfully",
    ) or not _settled(state, original):
        return base, "3", "54", "The referenced transaction does not meet the criteria for issuing a credit."
    left = Decimal(original["authAmount"]) - Decimal(original["refunded"])
    if amount > left:
        return (
            base,
            "3",
            "55",
            "The sum of credits against the referenced transaction would exceed original debit amount.",
        )
    original["refunded"] = plain(Decimal(original["refunded"]) + amount)
    tx = {
        **base,
        "transactionType": "refundTransaction",
        "submitTimeUTC": fmt_instant(state.now()),
        "transactionStatus": "refundPendingSettlement",
        "responseCode": "1",
        "responseReasonCode": "1",
        "responseReasonDescription": "This transaction has been approved.",
        "authCode": "",
        "authAmount": plain(amount),
        "refunded": "0.00",
        "invoiceNumber": original["invoiceNumber"],
        "customerProfileId": original["customerProfileId"],
        "paymentProfileId": original["paymentProfileId"],
        "behaviourKey": "",
    }
    state.data["transactions"][tx["transId"]] = tx
    notify(
        state,
        "net.authorize.payment.refund.created",
        {"responseCode": 1, "authAmount": float(amount), "entityName": "transaction", "id": tx["transId"]},
    )
    return tx, "1", "1", "This transaction has been approved."


def _void(state: Any, request: dict[str, Any]) -> tuple[dict[str, Any], str, str, str]:
    original = _original(state, request)
    if original["transactionStatus"] != "capturedPendingSettlement" or _settled(state, original):
        return {"transId": original["transId"]}, "3", "16", "The transaction cannot be found."
    original["transactionStatus"] = "voided"
    notify(
        state,
        "net.authorize.payment.void.created",
        {
            "responseCode": 1,
            "authAmount": float(Decimal(original["authAmount"])),
            "entityName": "transaction",
            "id": original["transId"],
        },
    )
    return original, "1", "1", "This transaction has been approved."


def create_transaction(state: Any, body: dict[str, Any]) -> tuple[list[Node], bool]:
    request = body.get("transactionRequest") or {}
    settings_list = (request.get("transactionSettings") or {}).get("setting") or []
    settings_list = settings_list if isinstance(settings_list, list) else [settings_list]
    settings = {
        item.get("settingName", ""): item.get("settingValue", "")
        for item in settings_list
        if isinstance(item, dict)
    }
    kind = request.get("transactionType")
    if kind == "authCaptureTransaction":
        tx, code, reason, text = _auth_capture(state, request, settings)
    elif kind == "refundTransaction":
        tx, code, reason, text = _refund(state, request)
    elif kind == "voidTransaction":
        tx, code, reason, text = _void(state, request)
    else:
        raise AnetError("E00003", f"The transactionType {kind!r} is not supported by the simulator.")
    return [_transaction_response(tx, code, reason, text)], code == "1"


def get_transaction_details(state: Any, body: dict[str, Any]) -> list[Node]:
    tx = state.data["transactions"].get(str(body.get("transId") or ""))
    if tx is None:
        raise AnetError("E00040", "The record cannot be found.")
    status = tx["transactionStatus"]
    if status == "capturedPendingSettlement" and _settled(state, tx):
        status = "settledSuccessfully"
    if status == "refundPendingSettlement" and _settled(state, tx):
        status = "refundSettledSuccessfully"
    return [
        (
            "transaction",
            [
                ("transId", tx["transId"]),
                ("refTransId", tx.get("refTransId") or None),
                ("submitTimeUTC", tx["submitTimeUTC"]),
                ("submitTimeLocal", tx["submitTimeUTC"].rstrip("Z")),
                ("transactionType", tx["transactionType"]),
                ("transactionStatus", status),
                ("responseCode", tx["responseCode"]),
                ("responseReasonCode", tx["responseReasonCode"]),
                ("responseReasonDescription", tx["responseReasonDescription"]),
                ("authCode", tx["authCode"] or None),
                ("AVSResponse", "Y"),
                ("order", [("invoiceNumber", tx["invoiceNumber"] or None)]),
                ("authAmount", tx["authAmount"]),
                ("settleAmount", tx["authAmount"] if tx["responseCode"] == "1" else "0.00"),
                ("taxExempt", "false"),
                (
                    "payment",
                    [
                        (
                            "creditCard",
                            [
                                ("cardNumber", tx["accountNumber"]),
                                ("expirationDate", "XXXX"),
                                ("cardType", "Visa"),
                            ],
                        )
                    ],
                ),
                ("recurringBilling", "false"),
                ("customerIP", None),
                ("product", "Card Not Present"),
                ("marketType", "eCommerce"),
                (
                    "profile",
                    [
                        ("customerProfileId", tx["customerProfileId"]),
                        ("customerPaymentProfileId", tx["paymentProfileId"]),
                    ]
                    if tx["customerProfileId"]
                    else None,
                ),
            ],
        )
    ]


OPERATIONS = {
    "createCustomerProfileRequest": create_customer_profile,
    "createCustomerPaymentProfileRequest": create_customer_payment_profile,
    "getCustomerPaymentProfileRequest": get_customer_payment_profile,
    "getTransactionDetailsRequest": get_transaction_details,
}


def handle(state: Any, root: str, body: dict[str, Any]) -> bytes:
    """One API call: authentication, the operation, the XML answer (errors included)."""
    response_tag = root.removesuffix("Request") + "Response"
    ref_id = body.get("refId") if isinstance(body.get("refId"), str) else None
    try:
        auth = body.get("merchantAuthentication") or {}
        expected = state.config
        if not isinstance(auth, dict) or not auth.get("name") or not auth.get("transactionKey"):
            raise AnetError("E00007", "User authentication failed due to invalid authentication values.")
        if (expected.get("login_id") and auth["name"] != expected["login_id"]) or (
            expected.get("transaction_key") and auth["transactionKey"] != expected["transaction_key"]
        ):
            raise AnetError("E00007", "User authentication failed due to invalid authentication values.")
        if root == "createTransactionRequest":
            nodes, ok = create_transaction(state, body)
            head = (
                messages(True, "I00001", "Successful.")
                if ok
                else messages(False, "E00027", "The transaction was unsuccessful.")
            )
            return render(response_tag, [("refId", ref_id), head, *nodes])
        operation = OPERATIONS.get(root)
        if operation is None:
            raise AnetError(
                "E00045",
                f"The root node does not reference a valid XML namespace or {root} is not supported.",
            )
        nodes = operation(state, body)
        return render(response_tag, [("refId", ref_id), messages(True, "I00001", "Successful."), *nodes])
    except AnetError as error:
        return render(
            response_tag if root.endswith("Request") else "ErrorResponse",
            [("refId", ref_id), messages(False, error.code, error.text)],
        )


def notify(state: Any, event_type: str, payload: dict[str, Any]) -> None:
    notification_id = f"{secrets.token_hex(4)}-{secrets.token_hex(2)}-{secrets.token_hex(2)}-{secrets.token_hex(2)}-{secrets.token_hex(6)}"
    webhooks.queue(
        state,
        notification_id,
        {
            "notificationId": notification_id,
            "eventType": event_type,
            "eventDate": fmt_instant(state.now()),
            "webhookId": "seatline-simulator",
            "payload": payload,
        },
        [notification_id],
    )
