# SPDX-License-Identifier: AGPL-3.0-or-later
"""Partner Center JSON -> DTOs (documented example shapes), JSON with Decimal both ways."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from seatline.connectors.base import (
    AdminCredentials,
    NextTermInstructions,
    RefundableLot,
    RefundableQuantity,
    RefundOption,
    SubscriptionStatus,
)
from seatline.connectors.errors import ProviderBadResponseError
from seatline.connectors.partner_center.catalog import parse_offer
from seatline.connectors.partner_center.customers import parse_customer
from seatline.connectors.partner_center.invoices import parse_invoice, parse_line
from seatline.connectors.partner_center.parsing import (
    Fields,
    date_value,
    datetime_value,
    decimal_value,
    decode_body,
    dumps,
    excerpt,
    loads,
    loads_body,
    set_field,
)
from seatline.connectors.partner_center.subscriptions import (
    next_term_body,
    parse_next_term,
    parse_subscription,
)

UTC = dt.UTC


def test_loads_and_dumps_keep_decimals_exact() -> None:
    data = loads('{"a": 14.4, "b": [0.1, 2], "c": "16", "d": null, "e": true}')
    assert data == {"a": Decimal("14.4"), "b": [Decimal("0.1"), 2], "c": "16", "d": None, "e": True}
    assert dumps(data) == '{"a":14.4,"b":[0.1,2],"c":"16","d":null,"e":true}'
    with pytest.raises(TypeError):
        dumps({"x": 0.1})


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("16", Decimal("16")),
        (Decimal("14.4"), Decimal("14.4")),
        (50, Decimal(50)),
        ("-94.08", Decimal("-94.08")),
    ],
)
def test_decimal_value(raw: object, value: Decimal) -> None:
    assert decimal_value(raw) == value


def test_dates() -> None:
    assert datetime_value("2021-01-24T20:39:17.18Z") == dt.datetime(
        2021, 1, 24, 20, 39, 17, 180000, tzinfo=UTC
    )
    assert datetime_value("2021-01-24T20:39:17.1234567Z") == dt.datetime(
        2021, 1, 24, 20, 39, 17, 123456, tzinfo=UTC
    )
    assert datetime_value("2021-01-24T20:39:17") == dt.datetime(2021, 1, 24, 20, 39, 17, tzinfo=UTC)
    assert date_value("2022-01-13T00:00:00Z") == dt.date(2022, 1, 13)
    assert date_value("2022-01-13") == dt.date(2022, 1, 13)
    assert datetime_value(None) is None and date_value("") is None


def test_subscription_from_the_documented_example() -> None:
    body = loads(
        """{
        "id": "a4c1340d-6911-4758-bba3-0c4c6007d161", "offerId": "CFQ7TTC0LH18:0001:CFQ7TTC0K971",
        "offerName": "Microsoft 365 Business Basic", "friendlyName": "Basic", "quantity": 10,
        "unitType": "Licenses", "creationDate": "2021-01-14T16:57:15.0966728Z",
        "effectiveStartDate": "2021-01-14T00:00:00Z", "commitmentEndDate": "2022-01-13T00:00:00Z",
        "commitmentEndDateTime": "2022-01-13T23:59:59Z", "cancellationAllowedUntilDate": "2021-01-21T16:57:15Z",
        "billingCycleEndDate": "2021-02-13T00:00:00Z", "status": "Active", "autoRenewEnabled": true,
        "billingType": "license", "billingCycle": "Monthly", "termDuration": "P1Y", "orderId": "o1",
        "refundOptions": [{"type": "Full", "expiresAt": "2021-01-15T00:00:00Z"}],
        "refundableQuantity": {"totalQuantity": 10,
            "details": [{"quantity": 10, "allowedUntilDateTime": "2021-01-24T20:39:17.18Z"}]},
        "scheduledNextTermInstructions": {"product": {"productId": "CFQ7TTC0LH18", "skuId": "0001",
            "availabilityId": "CFQ7TTC0K971", "billingCycle": "Monthly", "termDuration": "P1Y"}, "quantity": 8},
        "attributes": {"etag": "W/1", "objectType": "Subscription"}}"""
    )
    sub = parse_subscription("cust", body)
    assert sub.id == "a4c1340d-6911-4758-bba3-0c4c6007d161"
    assert sub.customer_id == "cust"
    assert sub.offer_id == "CFQ7TTC0LH18:0001:CFQ7TTC0K971"
    assert (sub.quantity, sub.status, sub.term_duration, sub.billing_cycle, sub.auto_renew) == (
        10,
        SubscriptionStatus.ACTIVE,
        "P1Y",
        "monthly",
        True,
    )
    assert sub.commitment_end == dt.date(2022, 1, 13)
    assert sub.billing_cycle_end == dt.date(2021, 2, 13)
    # the earliest window decides: the Full refund option ends before cancellationAllowedUntilDate
    assert sub.cancellation_allowed_until == dt.datetime(2021, 1, 15, tzinfo=UTC)
    assert sub.refund_options == (RefundOption("Full", dt.datetime(2021, 1, 15, tzinfo=UTC)),)
    assert sub.refundable_quantity == RefundableQuantity(
        10, (RefundableLot(10, dt.datetime(2021, 1, 24, 20, 39, 17, 180000, tzinfo=UTC)),)
    )
    assert sub.next_term == NextTermInstructions("CFQ7TTC0LH18:0001:CFQ7TTC0K971", "P1Y", "monthly", 8)
    assert sub.etag == "W/1" and sub.order_id == "o1"
    assert parse_subscription("c", {"status": "weird"}).status == SubscriptionStatus.UNKNOWN


def test_next_term_body_round_trip() -> None:
    instructions = NextTermInstructions("P:0001:A", "P1Y", "annual", 4, dt.date(2027, 6, 30), "PROMO")
    body = next_term_body(instructions)
    assert body == {
        "product": {
            "productId": "P",
            "skuId": "0001",
            "availabilityId": "A",
            "billingCycle": "annual",
            "termDuration": "P1Y",
            "promotionId": "PROMO",
        },
        "quantity": 4,
        "customTermEndDate": "2027-06-30",
    }
    assert parse_next_term(body) == instructions
    assert parse_next_term(None) is None


def test_customer_from_create_response() -> None:
    customer = parse_customer(
        {
            "id": "t1",
            "commerceId": "c1",
            "companyProfile": {"tenantId": "t1", "domain": "acme.onmicrosoft.com", "companyName": "Acme"},
            "billingProfile": {"email": "it@acme.example", "defaultAddress": {"country": "US"}},
            "relationshipToPartner": "reseller",
            "userCredentials": {"userName": "admin", "password": "s3cret"},
        }
    )
    assert customer.id == customer.tenant_id == "t1"
    assert (customer.domain, customer.company_name, customer.country) == (
        "acme.onmicrosoft.com",
        "Acme",
        "US",
    )
    assert customer.initial_credentials == AdminCredentials("admin", "s3cret")
    assert "s3cret" not in repr(customer)


def test_offer_from_catalog_records() -> None:
    offer = parse_offer(
        {"id": "CFQ7TTC0LH18", "title": "Microsoft 365 Business Basic"},
        {"id": "0001", "title": "Business Basic", "minimumQuantity": 1, "maximumQuantity": 300},
        {
            "id": "CFQ7TTC0K971",
            "productId": "CFQ7TTC0LH18",
            "skuId": "0001",
            "catalogItemId": "CFQ7TTC0LH18:0001:CFQ7TTC0K971",
            "defaultCurrency": {"code": "USD", "symbol": "$"},
            "segment": "commercial",
            "country": "US",
            "isPurchasable": True,
            "terms": [
                {
                    "id": "t",
                    "duration": "P1Y",
                    "billingCycle": "Annual",
                    "description": "One-Year commitment",
                },
                {
                    "id": "u",
                    "duration": "P1M",
                    "billingCycle": "Monthly",
                    "description": "One-Month commitment",
                },
            ],
        },
    )
    assert offer.id == "CFQ7TTC0LH18:0001:CFQ7TTC0K971"
    assert (offer.min_quantity, offer.max_quantity, offer.currency) == (1, 300, "USD")
    assert [(t.term_duration, t.billing_cycle) for t in offer.terms] == [
        ("P1Y", "annual"),
        ("P1M", "monthly"),
    ]


def test_invoice_line_with_numbers_as_strings_and_numbers() -> None:
    line = parse_line(
        loads(
            """{"invoiceNumber": "G000024130", "customerId": "c", "chargeType": "new", "unitPrice": "16",
            "effectiveUnitPrice": 14.4, "quantity": 50, "subtotal": "720", "taxTotal": 73, "totalForCustomer": "793",
            "currency": "USD", "chargeStartDate": "2021-05-20T00:00:00Z", "chargeEndDate": "2021-06-19T00:00:00Z",
            "subscriptionEndDate": "2022-05-19T00:00:00Z", "billingFrequency": "Monthly",
            "termAndBillingCycle": "One-Year commitment for monthly/yearly billing",
            "promotionId": "39NFJQT1X27N:0002:39NFJQT1Q5KL", "pcToBCExchangeRate": 1, "referenceId": "r"}"""
        )
    )
    assert (line.unit_price, line.effective_unit_price, line.quantity, line.billable_quantity) == (
        Decimal(16),
        Decimal("14.4"),
        Decimal(50),
        Decimal(50),
    )
    assert (line.subtotal, line.tax_total, line.total, line.exchange_rate) == (
        Decimal(720),
        Decimal(73),
        Decimal(793),
        Decimal(1),
    )
    assert (line.charge_start, line.charge_end, line.subscription_end) == (
        dt.date(2021, 5, 20),
        dt.date(2021, 6, 19),
        dt.date(2022, 5, 19),
    )
    assert all(not isinstance(v, float) for v in vars(line).values())


def test_invoice() -> None:
    invoice = parse_invoice(
        loads(
            '{"id": "G000024130", "invoiceDate": "2021-07-07T00:00:00Z", "billingPeriodStartDate": "2021-06-01",'
            '"billingPeriodEndDate": "2021-06-30", "totalCharges": 1234.56, "paidAmount": "0",'
            '"currencyCode": "USD", "documentType": "Invoice", "invoiceType": "OneTime"}'
        )
    )
    assert (invoice.total_charges, invoice.paid_amount, invoice.period_end) == (
        Decimal("1234.56"),
        Decimal(0),
        dt.date(2021, 6, 30),
    )


@pytest.mark.parametrize(
    ("written", "instant"),
    [
        ("2021-01-24T20:39:17Z", dt.datetime(2021, 1, 24, 20, 39, 17, tzinfo=UTC)),
        ("2021-01-24T20:39:17.18Z", dt.datetime(2021, 1, 24, 20, 39, 17, 180000, tzinfo=UTC)),
        ("2021-01-14T16:57:15.0966728Z", dt.datetime(2021, 1, 14, 16, 57, 15, 96672, tzinfo=UTC)),
        ("2019-01-09T00:21:45.9263727+00:00", dt.datetime(2019, 1, 9, 0, 21, 45, 926372, tzinfo=UTC)),
        ("2019-02-04T09:22:40.1767993-08:00", dt.datetime(2019, 2, 4, 17, 22, 40, 176799, tzinfo=UTC)),
        ("2019-01-09T00:21:45.9263727", dt.datetime(2019, 1, 9, 0, 21, 45, 926372, tzinfo=UTC)),
        ("2018-06-14T00:00:00.000Z", dt.datetime(2018, 6, 14, tzinfo=UTC)),
        ("2019-08-26T00:00:00", dt.datetime(2019, 8, 26, tzinfo=UTC)),
    ],
)
def test_every_documented_instant_format(written: str, instant: dt.datetime) -> None:
    assert datetime_value(written) == instant


@pytest.mark.parametrize(
    "written", ["2015-11-25T06: 41: 12Z", "tomorrow", "19/06/2021", "2021-13-01T00:00:00Z"]
)
def test_unreadable_dates_are_problems_of_their_object(written: str) -> None:
    with pytest.raises(ValueError):
        datetime_value(written)
    with pytest.raises(ValueError):
        date_value(written)
    body = Fields({"creationDate": written, "lines": [{"chargeEndDate": written}]}, where="items[2]")
    assert body.instant("creationDate") is None
    (line,) = body.children("lines")
    assert line.day("chargeEndDate") is None
    assert body.problems == [
        f"items[2].creationDate: unreadable date {written!r}",
        f"items[2].lines[0].chargeEndDate: unreadable date {written!r}",
    ]


def test_one_case_insensitive_key_lookup() -> None:
    body = Fields(
        loads('{"Id": "s1", "Quantity": 2, "Attributes": {"Etag": "e"}, "autoRenewEnabled": "True"}')
    )
    assert (body.text("id"), body.integer("quantity"), body.child("attributes").text("etag")) == (
        "s1",
        2,
        "e",
    )
    assert body.flag("AutoRenewEnabled") is True
    assert (body.key("QUANTITY"), body.has("status"), body.value("status", "none")) == (
        "Quantity",
        False,
        "none",
    )
    exact = Fields({"id": "exact", "ID": "other"})
    assert exact.text("id") == "exact"  # the exact key first
    written = {"Quantity": 1, "Status": "active"}
    set_field(written, "quantity", 5)
    set_field(written, "friendlyName", "x")
    assert written == {"Quantity": 5, "Status": "active", "friendlyName": "x"}  # no second "quantity"


def test_bodies_with_a_byte_order_mark_are_read_and_unreadable_ones_refused() -> None:
    assert loads_body(b"\xef\xbb\xbf" + b'{"code": 800090, "total": 1.5}') == {
        "code": 800090,
        "total": Decimal("1.5"),
    }
    assert decode_body(b"\xef\xbb\xbf{}") == "{}"
    assert loads_body(b"") is None and loads_body(b"  \n") is None
    with pytest.raises(ProviderBadResponseError) as refused:
        loads_body(b"\xef\xbb\xbf<html>", source="GET /v1/x (MS-RequestId r1)", request_id="r1")
    assert refused.value.code == "provider_bad_response"
    assert refused.value.request_id == "r1"
    assert refused.value.message.startswith(
        "the answer to GET /v1/x (MS-RequestId r1) is not readable JSON ("
    )
    assert refused.value.message.endswith("; the body starts '\\xef\\xbb\\xbf<html>'")
    with pytest.raises(ProviderBadResponseError):
        loads_body(b"\xff\xfe{}")  # not UTF-8 text
    assert excerpt(b"x" * 200).endswith("...") and len(excerpt(b"x" * 200)) == 123


def test_unreadable_numbers_refuse_the_answer() -> None:
    with pytest.raises(ProviderBadResponseError) as refused:
        Fields({"totalCharges": "12,50"}, where="items[0]").amount("totalCharges")
    assert "has an unreadable number in items[0].totalCharges" in refused.value.message
    with pytest.raises(ProviderBadResponseError):
        Fields({"quantity": 2.5}).integer("quantity")
    with pytest.raises(ProviderBadResponseError):
        Fields({"quantity": "NaN"}).integer("quantity")
