# SPDX-License-Identifier: AGPL-3.0-or-later
"""The e-mail templates Seatline ships: their keys, who gets them, and the variables each one
may use (with the sample values a template is checked against when it is saved).

The variables are the contract between a feature that sends an e-mail and the template: the
feature passes every variable listed here (`services.send` refuses a context that misses one),
and an edited template may use only these (an unknown one is a form error naming the line).
Values are strings already written for the recipient (amounts and dates in their locale), or
lists of small mappings where noted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

SHIPPED_DIR = Path(__file__).resolve().parent / "shipped"

CUSTOMER = "customer"
INTERNAL = "internal"

#: Keywords allowed in a template's To / CC / BCC besides plain addresses.
BILLING_CONTACTS = "{billing_contacts}"
PRIMARY_BILLING_CONTACT = "{primary_billing_contact}"
RECIPIENTS = "{recipients}"
RECIPIENT_KEYWORDS = {
    BILLING_CONTACTS: "every billing contact (with an e-mail address) of the account, primary first",
    PRIMARY_BILLING_CONTACT: "the primary billing contact of the account (or the contract's)",
    RECIPIENTS: "the addresses the sending feature names (e.g. a manual provider's reminder address)",
}


@dataclass(frozen=True)
class Variable:
    name: str
    description: str
    sample: Any


@dataclass(frozen=True)
class TemplateSpec:
    key: str
    name: str
    description: str
    audience: str
    to: str
    variables: tuple[Variable, ...]

    def sample_context(self) -> dict[str, Any]:
        return {variable.name: variable.sample for variable in self.variables}

    def shipped(self, part: str) -> str:
        """The shipped source of `part` ("subject", "txt" or "html")."""
        return (SHIPPED_DIR / f"{self.key}.{part}").read_text(encoding="utf-8")


def _v(name: str, description: str, sample: Any) -> Variable:
    return Variable(name, description, sample)


COMPANY = _v("company_name", "the partner's legal name (letterhead)", "Contoso Cloud Partner Ltd")
ACCOUNT = _v("account_name", "the customer account's name", "Fabrikam GmbH")
PAYNOW = _v(
    "paynow_url",
    "the link to pay the invoice online; empty while no payment processor offers one",
    "https://pay.example/inv/INV-000123",
)

SPECS: dict[str, TemplateSpec] = {
    spec.key: spec
    for spec in (
        TemplateSpec(
            "invoice_issued",
            "Invoice issued",
            "Sent with every issued invoice (PDF attached): automatically when its contract "
            "auto-sends, or with the Send action.",
            CUSTOMER,
            BILLING_CONTACTS,
            (
                COMPANY,
                ACCOUNT,
                _v("invoice_number", "the invoice number", "INV-000123"),
                _v("invoice_date", "the invoice date", "1 Mar 2024"),
                _v("due_date", "the due date", "31 Mar 2024"),
                _v("period", "the billing period (may be empty)", "1 Mar 2024 – 31 Mar 2024"),
                _v("total", "the invoice total with its currency", "€1,234.56"),
                _v("balance_due", "what is still to pay", "€1,234.56"),
                PAYNOW,
            ),
        ),
        TemplateSpec(
            "credit_note_issued",
            "Credit note issued",
            "Sent with every issued credit note (PDF attached).",
            CUSTOMER,
            BILLING_CONTACTS,
            (
                COMPANY,
                ACCOUNT,
                _v("credit_note_number", "the credit note number", "CN-000007"),
                _v("credit_note_date", "its date", "5 Mar 2024"),
                _v("credited_invoice_number", "the invoice it corrects", "INV-000123"),
                _v("amount", "the amount credited (positive) with its currency", "€1,234.56"),
            ),
        ),
        TemplateSpec(
            "payment_receipt",
            "Payment receipt",
            "Confirms a payment received for an invoice.",
            CUSTOMER,
            BILLING_CONTACTS,
            (
                COMPANY,
                ACCOUNT,
                _v("invoice_number", "the invoice paid", "INV-000123"),
                _v("amount", "the amount received", "€500.00"),
                _v("payment_date", "the date of the payment", "10 Mar 2024"),
                _v("payment_method", "how it was paid (e.g. a card ending 4242)", "Visa •••• 4242"),
                _v("balance_due", "what is still open on the invoice", "€734.56"),
            ),
        ),
        TemplateSpec(
            "payment_failed",
            "Payment failed",
            "Tells the customer an automatic charge failed and when it is tried again.",
            CUSTOMER,
            BILLING_CONTACTS,
            (
                COMPANY,
                ACCOUNT,
                _v("invoice_number", "the invoice", "INV-000123"),
                _v("amount", "the amount that could not be charged", "€1,234.56"),
                _v("failure_reason", "why, as the processor said it", "card declined"),
                _v("next_attempt_date", "the next try (empty when none)", "13 Mar 2024"),
                PAYNOW,
            ),
        ),
        TemplateSpec(
            "provisioning_reminder",
            "Provisioning reminder",
            "Asks staff to make the changes that await provisioning at a manual provider.",
            INTERNAL,
            RECIPIENTS,
            (
                _v("provider_name", "the manual provider", "Vendor portal"),
                _v("change_count", "how many changes wait", 1),
                _v(
                    "changes",
                    "the changes: each has id, account, subscription, kind, delta (signed text), "
                    "quantity, effective_date and provider_subscription_id (may be empty)",
                    [
                        {
                            "id": 42,
                            "account": "Fabrikam GmbH",
                            "subscription": "Adobe Acrobat Pro",
                            "kind": "Increase",
                            "delta": "+2",
                            "quantity": 12,
                            "effective_date": "2024-03-10",
                            "provider_subscription_id": "",
                        }
                    ],
                ),
            ),
        ),
        TemplateSpec(
            "provider_invoice_sync",
            "Provider invoice sync status",
            "The daily report of provider invoice imports (to the addresses in To).",
            INTERNAL,
            RECIPIENTS,
            (
                _v("provider_name", "the provider", "Microsoft"),
                _v("sync_date", "the day of the sync", "8 Mar 2024"),
                _v("problem_count", "how many invoices need attention", 1),
                _v(
                    "invoices",
                    "the provider invoices: each has number, status, difference and message",
                    [
                        {
                            "number": "G000123456",
                            "status": "error",
                            "difference": "0.01",
                            "message": "checksum",
                        }
                    ],
                ),
            ),
        ),
        TemplateSpec(
            "portal_invitation",
            "Portal invitation",
            "Invites a customer contact to the self-service portal.",
            CUSTOMER,
            RECIPIENTS,
            (
                COMPANY,
                ACCOUNT,
                _v("contact_name", "the invited contact", "Ada Lee"),
                _v("invitation_url", "the single-use registration link", "https://portal.example/join/abc"),
                _v("expires_on", "when the link expires", "17 Mar 2024"),
            ),
        ),
        TemplateSpec(
            "payment_method_request",
            "Payment method request",
            "Asks a customer to enter a payment method through a secure, time-limited link.",
            CUSTOMER,
            PRIMARY_BILLING_CONTACT,
            (
                COMPANY,
                ACCOUNT,
                _v("contact_name", "the contact asked", "Ada Lee"),
                _v(
                    "secure_link",
                    "the secure single-use link (must stay in the template)",
                    "https://pay.example/s/x",
                ),
                _v("expires_on", "when the link expires", "17 Mar 2024"),
            ),
        ),
    )
}

#: Variables a template must keep (the e-mail is useless without them).
REQUIRED_IN_TEMPLATE: dict[str, tuple[str, ...]] = {
    "payment_method_request": ("secure_link",),
    "portal_invitation": ("invitation_url",),
}


def spec(key: str) -> TemplateSpec:
    try:
        return SPECS[key]
    except KeyError:
        raise KeyError(f"unknown e-mail template {key!r}; known: {', '.join(sorted(SPECS))}") from None
