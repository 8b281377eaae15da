# SPDX-License-Identifier: AGPL-3.0-or-later
"""Issued documents with known lines and taxes for the documents and e-mail tests."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

from pypdf import PdfReader

from seatline.contracts.models import BillingContract
from seatline.customers.models import Account, Contact
from seatline.invoicing.issuing import issue_invoice
from seatline.invoicing.models import Invoice, InvoiceLine, InvoiceTax

D = dt.date


@dataclass(frozen=True)
class Line:
    description: str
    quantity: str
    unit_price: str
    amount: str
    discount: str = "0"
    type: str = "recurring"
    start: dt.date | None = D(2024, 1, 1)
    end: dt.date | None = D(2024, 1, 31)


DEFAULT_LINES = (
    Line("Microsoft 365 Business Premium", "10", "22.00", "220.00"),
    Line("Microsoft 365 E3", "25", "36.00", "900.00"),
    Line("Exchange Online (Plan 1)", "3", "4.00", "6.45", type="proration", start=D(2024, 1, 17)),
    Line("Onboarding workshop", "1", "108.11", "108.11", type="nri", start=None, end=None),
)


def account(
    language: str = "en-US", *, name: str = "Wingtip Toys", currency: str = "USD", **fields: object
) -> Account:
    values: dict[str, object] = {
        "name": name,
        "language": language,
        "currency": currency,
        "address_line1": "4 Harbour Road",
        "postal_code": "94000",
        "city": "San Jose",
        "country": "US",
    }
    values.update(fields)
    return Account.objects.create(**values)


def billing_contact(owner: Account, email: str, *, primary: bool = False, first_name: str = "Ada") -> Contact:
    return Contact.objects.create(
        account=owner, first_name=first_name, last_name="Lee", email=email, role="billing", is_primary=primary
    )


def contract(owner: Account, **fields: object) -> BillingContract:
    values: dict[str, object] = {
        "name": f"{owner.name} CSP",
        "account": owner,
        "frequency": "monthly",
        "start_date": D(2024, 1, 1),
        "currency": owner.currency,
    }
    values.update(fields)
    return BillingContract.objects.create(**values)


def issued_invoice(
    owner_contract: BillingContract,
    *,
    lines: tuple[Line, ...] = DEFAULT_LINES,
    taxes: tuple[tuple[str, str, str], ...] = (("State", "5", "61.73"), ("County", "2.5", "30.86")),
    seller: str = "Contoso Cloud Partner Ltd",
    issue: bool = True,
) -> Invoice:
    owner = owner_contract.account
    subtotal = sum((Decimal(line.amount) - Decimal(line.discount) for line in lines), Decimal(0))
    tax_total = sum((Decimal(amount) for _, _, amount in taxes), Decimal(0))
    invoice = Invoice.objects.create(
        contract=owner_contract,
        account=owner,
        kind="regular",
        currency=owner_contract.currency,
        generated_on=D(2024, 1, 2),
        invoice_date=D(2024, 1, 1),
        due_date=D(2024, 1, 31),
        period_start=D(2024, 1, 1),
        period_end=D(2024, 1, 31),
        subtotal=subtotal,
        tax_total=tax_total,
        total=subtotal + tax_total,
        balance=subtotal + tax_total,
        seller_name=seller,
        seller_address="1 Main Street\n98101 Seattle, WA",
        seller_tax_id="US-99-1234567",
        buyer_name=owner.name,
        buyer_address="\n".join(owner.address_lines()),
        buyer_country=owner.country,
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            position=position,
            type=line.type,
            description=line.description,
            quantity=Decimal(line.quantity),
            unit_price=Decimal(line.unit_price),
            period_start=line.start,
            period_end=line.end,
            amount=Decimal(line.amount),
            discount=Decimal(line.discount),
            net=Decimal(line.amount) - Decimal(line.discount),
        )
        for position, line in enumerate(lines)
    )
    InvoiceTax.objects.bulk_create(
        InvoiceTax(
            invoice=invoice, position=position, name=name, percent=Decimal(percent), amount=Decimal(amount)
        )
        for position, (name, percent, amount) in enumerate(taxes)
    )
    if issue:
        invoice = issue_invoice(invoice=invoice)
    return Invoice.objects.get(pk=invoice.pk)


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page (pypdf)."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]
