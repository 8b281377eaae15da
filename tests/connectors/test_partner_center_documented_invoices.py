# SPDX-License-Identifier: AGPL-3.0-or-later
"""Invoices (with amendments), billed and unbilled line items: Microsoft's documented answers over loopback."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from seatline.connectors.base import InvoiceDetail, InvoiceDocumentType, ProviderInvoice, ReconciliationLine
from seatline.connectors.partner_center.invoices import document_type
from tests.connectors.documented import answer, connector, in_collection
from tests.connectors.local_server import LocalServer

UTC = dt.UTC
BOMS = pytest.mark.parametrize("bom", [False, True], ids=["plain", "bom"])
TOKEN = (
    "d19617b8-fbe5-4684-a5d8-0230972fb0cf,0705c4a9-39f7-4261-ba6d-53e24a9ce47d_a4ayc/80/OGda4BO/1o/"
    "V0etpOqiLx1JwB5S3beHW0s=,0d81c700-98b4-4b13-9129-ffd5620f72e7"
)

ONE_TIME = "one_time"
RECURRING = ProviderInvoice(
    id="D02005YFHI",
    invoice_date=dt.date(2017, 1, 21),
    period_start=None,
    period_end=None,
    total_charges=Decimal("24606.35"),
    paid_amount=Decimal(1000),
    currency="GBP",
    document_type=InvoiceDocumentType.INVOICE,
    document_type_text="invoice",
    invoice_type="Recurring",
    details=(
        InvoiceDetail(
            "billing_line_items", "office", "/invoices/Recurring-D02005YFHI/lineitems/Office/BillingLineItems"
        ),
    ),
)
ADJUSTMENT = ProviderInvoice(
    id="G000024131",
    invoice_date=dt.date(2018, 2, 8),
    period_start=None,
    period_end=None,
    total_charges=Decimal("107661.12"),
    paid_amount=Decimal(0),
    currency="CHF",
    document_type=InvoiceDocumentType.ADJUSTMENT_NOTE,
    document_type_text="adjustment_note",
    invoice_type="OneTime",
    amends_of="G000024130",
    details=(InvoiceDetail("billing_line_items", ONE_TIME, ""),),
)
VOIDED = ProviderInvoice(
    id="G000024130",
    invoice_date=dt.date(2018, 2, 8),
    period_start=None,
    period_end=None,
    total_charges=Decimal(586366),
    paid_amount=Decimal(0),
    currency="CHF",
    document_type=InvoiceDocumentType.VOID_NOTE,
    document_type_text="void_note",
    invoice_type="OneTime",
    amendments=(ADJUSTMENT,),
    details=(
        InvoiceDetail(
            "billing_line_items", ONE_TIME, "/invoices/OneTime-G000024130/lineitems/OneTime/BillingLineItems"
        ),
    ),
)
BY_ID = ProviderInvoice(
    id="G000024135",
    invoice_date=dt.date(2018, 2, 8),
    period_start=dt.date(2018, 2, 1),
    period_end=dt.date(2018, 2, 28),
    total_charges=Decimal("2076.63"),
    paid_amount=Decimal(0),
    currency="USD",
    document_type=InvoiceDocumentType.INVOICE,
    document_type_text="invoice",
    invoice_type="OneTime",
    details=(
        InvoiceDetail(
            "billing_line_items", ONE_TIME, "/invoices/OneTime-G000024135/lineitems/OneTime/BillingLineItems"
        ),
    ),
)

TRIAL = ReconciliationLine(
    invoice_number="G000773581",
    customer_id="c139c4bf-2e8b-4ab5-8bed-d9f50dcca7a2",
    customer_name="Test_Test_Office R2 Reduce Seats Validation",
    customer_domain="testcustomerr2t2reduce.onmicrosoft.com",
    subscription_id="86646af9-e80a-4aa0-da80-3fd2b792c2cc",
    charge_type="new",
    product_id="CFQ7TTC0LH0R",
    sku_id="0002",
    availability_id="CFQ7TTC0K5RQ",
    product_name="Microsoft 365 Phone System - Virtual User",
    sku_name="Microsoft 365 Phone System - Virtual User",
    unit_price=Decimal(0),
    effective_unit_price=Decimal(0),
    quantity=Decimal(25),
    billable_quantity=Decimal(25),
    subtotal=Decimal(0),
    tax_total=Decimal(0),
    total=Decimal(0),
    currency="USD",
    order_id="94e858b6d855",
    order_date=dt.datetime(2021, 5, 20, 18, 30, 6, 604569, tzinfo=UTC),
    charge_start=dt.date(2021, 5, 20),
    charge_end=dt.date(2021, 6, 19),
    subscription_start=dt.date(2021, 5, 20),
    subscription_end=dt.date(2021, 6, 19),
    term_and_billing_cycle="One-Month commitment for trial",
    billing_frequency="",
    reference_id="0cf1202a-5b7d-4219-966e-93c637113708",
    alternate_id="94e858b6d855",
    promotion_id="",
    pricing_currency="USD",
    exchange_rate=Decimal(1),
    unit_type="",
    subscription_description="",
)
PROMOTION = ReconciliationLine(
    invoice_number="G000773581",
    customer_id="835a59a7-3172-47b5-bdef-d9cc65f4d0e4",
    customer_name="TEST_TEST Test Promotions 01",
    customer_domain="kyletestpromos01.onmicrosoft.com",
    subscription_id="9d7d1f3d-c8de-461c-db6d-91debd5129f0",
    charge_type="new",
    product_id="CFQ7TTC0HL8W",
    sku_id="0001",
    availability_id="CFQ7TTC0K59S",
    product_name="Power BI Premium Per User",
    sku_name="Power BI Premium Per User",
    unit_price=Decimal(16),
    effective_unit_price=Decimal("14.4"),
    quantity=Decimal(50),
    billable_quantity=Decimal(50),
    subtotal=Decimal(720),
    tax_total=Decimal(73),
    total=Decimal(793),
    currency="USD",
    order_id="5f9d52bb1408",
    order_date=dt.datetime(2021, 5, 20, 18, 48, 30, 616828, tzinfo=UTC),
    charge_start=dt.date(2021, 5, 20),
    charge_end=dt.date(2021, 6, 19),
    subscription_start=dt.date(2021, 5, 20),
    subscription_end=dt.date(2022, 5, 19),
    term_and_billing_cycle="One-Year commitment for monthly/yearly billing",
    billing_frequency="Monthly",
    reference_id="28b535e0-68f4-40b5-84f7-8ed9241eb149",
    alternate_id="5f9d52bb1408",
    promotion_id="39NFJQT1X27N:0002:39NFJQT1Q5KL",
    pricing_currency="USD",
    exchange_rate=Decimal(1),
)
MARKETPLACE = ReconciliationLine(
    invoice_number="T000773581",
    customer_id="c139c4bf-2e8b-4ab5-8bed-d9f50dcca7a2",
    customer_name="Test_Test_Office R2 Reduce Seats Validation",
    customer_domain="testcustomerr2t2reduce.onmicrosoft.com",
    subscription_id="12345678-9cf0-4a1f-9514-7fcc7fe9d1fe",
    charge_type="New",
    product_id="DZH318Z0BXWC",
    sku_id="0002",
    availability_id="DZH318Z0BP8B",
    product_name="Test WAF-as-a-Service",
    sku_name="Test WaaS - Medium Plan",
    unit_price=Decimal(820),
    effective_unit_price=Decimal(820),
    quantity=Decimal(1),
    billable_quantity=Decimal("3.1618"),
    subtotal=Decimal(820),
    tax_total=Decimal(0),
    total=Decimal(0),  # as documented: totalForCustomer 0 next to a subtotal of 820
    currency="USD",
    order_id="HJVtMZMkgQ2miuCiNv0RSr51zQDans0m1",
    order_date=dt.datetime(2019, 2, 4, 17, 59, 52, 946010, tzinfo=UTC),
    charge_start=dt.date(2019, 2, 4),  # "2019-02-04T09:22:40.1767993-08:00": the date as written
    charge_end=dt.date(2019, 3, 3),
    subscription_start=dt.date(2019, 2, 1),
    subscription_end=dt.date(2020, 1, 31),
    term_and_billing_cycle="1 Year Subscription",
    alternate_id="123456ad566",
    pricing_currency="USD",
    exchange_rate=Decimal(1),
)
E3 = ReconciliationLine(
    invoice_number="1234000000",
    customer_id="org:9060d13d-c5ed-482e-b059-a15a38cbb28e",
    customer_name="recipientCustomerName",
    customer_domain="recipientCustomerDomain",
    subscription_id="2ae795eb-f76d-ce69-cba0-123456789000",
    charge_type="new",
    product_id="CFQ7TTC01234",
    sku_id="0001",
    availability_id="CFQ7TTC0ABCD",
    product_name="Office 365 E3",
    sku_name="Office 365 E3",
    unit_price=Decimal(16),
    effective_unit_price=Decimal(16),
    quantity=Decimal(1),
    billable_quantity=Decimal(1),
    subtotal=Decimal(16),
    tax_total=Decimal("1.61"),
    total=Decimal("17.61"),
    currency="USD",
    order_id="VdqkP11Bu4DlcjP5rLeQabcdefg-1234",
    order_date=dt.datetime(2021, 1, 29, 19, 50, 13, 986909, tzinfo=UTC),
    charge_start=dt.date(2021, 1, 29),
    charge_end=dt.date(2021, 2, 27),
    term_and_billing_cycle="One-Year commitment for monthly/yearly billing",
    billing_frequency="Monthly",
    pricing_currency="USD",
    exchange_rate=Decimal(1),
)


@BOMS
def test_documented_invoices_with_their_amendments(loopback: LocalServer, bom: bool) -> None:
    loopback.routes["GET /v1/invoices"] = lambda seen: answer(
        # the documented page ends with an offset link; the next page is empty (test-made)
        in_collection()
        if seen.query.get("offset") == ["2"]
        else "invoices/get-a-collection-of-invoices.json",
        bom=bom,
    )
    loopback.routes["GET /v1/invoices/G000024135"] = lambda seen: answer(
        "invoices/get-invoice-by-id.json", bom=bom
    )
    pc = connector(loopback)
    invoices = pc.list_invoices()
    assert invoices == [RECURRING, VOIDED]
    assert [seen.query for seen in loopback.requests_to("GET", "/v1/invoices")] == [
        {"size": ["200"]},
        {"size": ["2"], "offset": ["2"], "seekOperation": ["Next"]},
    ]
    # the adjustment note is a document of its own, amending the invoice it sits under
    assert [(doc.id, doc.document_type, doc.amends_of, doc.total_charges) for doc in VOIDED.documents()] == [
        ("G000024130", InvoiceDocumentType.VOID_NOTE, "", Decimal(586366)),
        ("G000024131", InvoiceDocumentType.ADJUSTMENT_NOTE, "G000024130", Decimal("107661.12")),
    ]
    assert pc.get_invoice("G000024135") == BY_ID


@pytest.mark.parametrize(
    ("written", "kind"),
    [
        ("invoice", InvoiceDocumentType.INVOICE),
        ("Invoice", InvoiceDocumentType.INVOICE),
        ("", InvoiceDocumentType.INVOICE),
        ("Credit Note", InvoiceDocumentType.CREDIT_NOTE),
        ("credit_note", InvoiceDocumentType.CREDIT_NOTE),
        ("creditNote", InvoiceDocumentType.CREDIT_NOTE),
        ("adjustment_note", InvoiceDocumentType.ADJUSTMENT_NOTE),
        ("void_note", InvoiceDocumentType.VOID_NOTE),
        ("debit memo", InvoiceDocumentType.UNKNOWN),
    ],
)
def test_document_types_as_written(written: str, kind: InvoiceDocumentType) -> None:
    assert document_type(written) == kind


def test_a_credit_note_names_the_invoice_it_corrects(loopback: LocalServer) -> None:
    # test-made from the documented invoice: a credit note amending it, as invoice-resources.md describes
    invoice = answer("invoices/get-invoice-by-id.json").body
    credit = invoice.replace(
        b'"documentType": "invoice"', b'"documentType": "Credit Note", "amendsOf": "G000024130"'
    ).replace(b'"totalCharges": 2076.63', b'"totalCharges": -2076.63')
    loopback.routes["GET /v1/invoices/G000024135"] = lambda seen: answer(credit)
    note = connector(loopback).get_invoice("G000024135")
    assert (note.is_credit_note, note.document_type_text, note.amends_of, note.total_charges) == (
        True,
        "Credit Note",
        "G000024130",
        Decimal("-2076.63"),
    )


@BOMS
def test_documented_billed_line_items_through_the_continuation_link(loopback: LocalServer, bom: bool) -> None:
    route = "/v1/invoices/G000773581/lineitems"
    loopback.routes[f"GET {route}"] = lambda seen: answer(
        "invoices/get-invoiceline-items.example-5.json"
        if seen.headers.get("ms-continuationtoken")
        else "invoices/get-invoiceline-items.example-4.json",
        bom=bom,
    )
    lines = list(connector(loopback).iter_invoice_lines("G000773581"))
    assert lines == [TRIAL, PROMOTION, MARKETPLACE, E3] * 2
    first, following = loopback.requests_to("GET", route)
    assert first.query == {
        "provider": ["onetime"],
        "invoicelineitemtype": ["billinglineitems"],
        "size": ["2000"],
    }
    assert following.query == {
        "provider": ["OneTime"],
        "invoicelineitemtype": ["BillingLineItems"],
        "size": ["2"],
        "seekOperation": ["Next"],
    }
    assert following.headers["ms-continuationtoken"] == TOKEN


@BOMS
def test_documented_unbilled_line_items(loopback: LocalServer, bom: bool) -> None:
    route = "/v1/invoices/unbilled/lineitems"
    loopback.routes[f"GET {route}"] = lambda seen: answer(
        in_collection()  # the documented continuation page (test-made: empty)
        if seen.headers.get("ms-continuationtoken") == "AQAAAA=="
        else "invoices/get-invoice-unbilled-recon-lineitems.example-1.json",
        bom=bom,
    )
    lines = list(connector(loopback).iter_unbilled_lines("usd", "previous"))

    def unbilled(line: ReconciliationLine, **changes: object) -> ReconciliationLine:
        return ReconciliationLine(**{**vars(line), "invoice_number": "", **changes})

    assert lines == [
        unbilled(TRIAL),
        unbilled(PROMOTION, tax_total=Decimal(0), total=Decimal(0)),
        unbilled(MARKETPLACE),
    ]
    first, following = loopback.requests_to("GET", route)
    assert first.query["period"] == ["previous"] and first.query["currencycode"] == ["usd"]
    assert following.query["seekOperation"] == ["Next"]


def test_an_unreadable_line_date_is_reported_on_that_line(loopback: LocalServer) -> None:
    body = answer("invoices/get-invoiceline-items.example-5.json").body.replace(
        b'"chargeEndDate": "2021-06-19T00:00:00Z"', b'"chargeEndDate": "19/06/2021"', 1
    )
    loopback.routes["GET /v1/invoices/G000773581/lineitems"] = lambda seen: answer(body)
    lines = list(connector(loopback).iter_invoice_lines("G000773581"))
    assert lines[0].problems == ("items[0].chargeEndDate: unreadable date '19/06/2021'",)
    assert lines[0].charge_end is None
    assert lines[1:] == [PROMOTION, MARKETPLACE, E3]
