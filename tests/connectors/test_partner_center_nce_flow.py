# SPDX-License-Identifier: AGPL-3.0-or-later
"""The NCE flow end to end against the Partner Center simulator over loopback HTTP.

create customer -> (purchase refused without MCA) -> accept MCA -> order annual subscriptions ->
reduce inside the 7-day window -> increase -> cancel a second subscription inside its window ->
8 days later: reduce and cancel refused with the provider's text -> increase -> month close ->
invoice and its reconciliation lines (paged lazily, page size 2).

The same flow runs with every answer shape the simulator can write: camelCase, BOM-prefixed,
PascalCase keys, and both (the shapes of Microsoft's documented answers); the results are the
same, and every PATCH body is the full subscription in the casing it was read.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal

import pytest

from seatline.connectors.base import OrderLine, SubscriptionStatus
from seatline.connectors.errors import ProviderAgreementMissingError, ProviderWindowPassedError
from seatline.connectors.partner_center.agreements import DOCUMENTED_MCA_TEMPLATE_ID
from seatline.connectors.partner_center.connector import PartnerCenterConnector
from tests.connectors.simulator import BASIC, Recorder, Sim, acceptance, customer_request

SHAPES = {
    "camel": {},
    "bom": {"bom": True},
    "pascal": {"pascal_case": True},
    "bom-pascal": {"bom": True, "pascal_case": True},
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_nce_flow(
    shape: str,
    sim: Sim,
    make: Callable[..., PartnerCenterConnector],
    recorder: Recorder,
    sleeps: list[float],
) -> None:
    switches = SHAPES[shape]
    sim.control("config", {"page_size": 2, **switches})
    connector: PartnerCenterConnector = make(line_page_size=2)

    # customer
    request = customer_request("Acme NCE")
    assert connector.domain_available(request.domain) is True
    customer = connector.create_customer(request)
    assert customer.domain == "acmence.onmicrosoft.com"
    assert customer.id and customer.id == customer.tenant_id
    assert customer.initial_credentials is not None
    assert connector.domain_available(request.domain) is False
    assert connector.find_customer(customer_id=customer.id) == connector.find_customer(domain=request.domain)

    # the catalog has the offer with an annual term
    offers = {offer.id: offer for offer in connector.list_offers("US")}
    basic = offers[BASIC]
    assert ("P1Y", "monthly") in {(t.term_duration, t.billing_cycle) for t in basic.terms}

    # no purchase without MCA
    line = OrderLine(offer_id=BASIC, quantity=10, term_duration="P1Y", billing_cycle="monthly")
    with pytest.raises(ProviderAgreementMissingError) as caught:
        connector.order_subscriptions(customer.id, [line])
    assert (caught.value.code, caught.value.provider_code, caught.value.http_status) == (
        "provider_agreement_missing",
        13605,
        403,
    )
    assert caught.value.provider_message

    agreement = connector.accept_customer_agreement(customer.id, acceptance())
    assert agreement.template_id == DOCUMENTED_MCA_TEMPLATE_ID
    assert (agreement.email, agreement.agreement_type) == ("ada@acme.example", "MicrosoftCustomerAgreement")
    assert agreement.date_agreed == dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    # a retried acceptance is idempotent (600061 -> the existing record)
    assert connector.accept_customer_agreement(customer.id, acceptance()) == agreement
    assert connector.list_customer_agreements(customer.id) == [agreement]

    # order two annual subscriptions
    first = connector.order_subscriptions(customer.id, [line])
    assert first.complete and len(first.subscriptions) == 1
    (main,) = first.subscriptions
    assert (main.quantity, main.status, main.term_duration, main.billing_cycle, main.auto_renew) == (
        10,
        SubscriptionStatus.ACTIVE,
        "P1Y",
        "monthly",
        True,
    )
    assert main.offer_id == BASIC
    assert main.commitment_end == dt.date(2027, 3, 1)
    assert main.cancellation_allowed_until == dt.datetime(2026, 3, 9, 10, 0, tzinfo=dt.UTC)
    assert main.refundable_quantity.total == 10
    assert [(lot.quantity, lot.allowed_until) for lot in main.refundable_quantity.lots] == [
        (10, dt.datetime(2026, 3, 9, 10, 0, tzinfo=dt.UTC))
    ]
    second_line = OrderLine(offer_id=BASIC, quantity=3, term_duration="P1Y", billing_cycle="annual")
    (second,) = connector.order_subscriptions(customer.id, [second_line]).subscriptions
    assert second.billing_cycle == "annual"

    # inside the window: reduce, increase, cancel the second one
    reduced = connector.change_quantity(customer.id, main.id, 8)
    assert (reduced.quantity, reduced.refundable_quantity.total, reduced.auto_renew) == (8, 8, True)
    sim.advance("P1D")
    increased = connector.change_quantity(customer.id, main.id, 12)
    assert (increased.quantity, increased.refundable_quantity.total) == (12, 12)
    cancelled = connector.cancel(customer.id, second.id)
    assert cancelled.status == SubscriptionStatus.DELETED
    assert connector.get_subscription(customer.id, second.id).status == SubscriptionStatus.DELETED

    # 8 days later the windows are closed
    sim.advance("P8D")
    with pytest.raises(ProviderWindowPassedError) as reduce_error:
        connector.change_quantity(customer.id, main.id, 11)
    error = reduce_error.value
    assert (error.code, error.provider_code, error.http_status) == ("provider_window_passed", 900214, 400)
    assert error.message == "the 7-day NCE window for reducing seats has passed"
    assert error.provider_message and "window" in error.provider_message
    assert connector.get_subscription(customer.id, main.id).quantity == 12  # nothing changed

    with pytest.raises(ProviderWindowPassedError) as cancel_error:
        connector.cancel(customer.id, main.id)
    assert (cancel_error.value.provider_code, cancel_error.value.message) == (
        900213,
        "the 7-day NCE cancellation window has passed",
    )
    assert (
        cancel_error.value.provider_message and "cancellation window" in cancel_error.value.provider_message
    )

    grown = connector.change_quantity(customer.id, main.id, 15)
    assert (grown.quantity, grown.refundable_quantity.total, grown.auto_renew) == (15, 3, True)

    # month close; invoices are published early in the next month
    sim.set_now("2026-04-09T12:00:00Z")
    invoices = connector.list_invoices()
    march = [invoice for invoice in invoices if invoice.period_start == dt.date(2026, 3, 1)]
    assert len(march) == 1
    invoice = march[0]
    assert invoice.period_end == dt.date(2026, 3, 31)
    assert isinstance(invoice.total_charges, Decimal)

    before = len(recorder.requests)
    lines_iter = connector.iter_invoice_lines(invoice.id)
    first_line = next(lines_iter)
    assert len(recorder.requests) == before + 1  # lazily: one page fetched so far
    lines = [first_line, *lines_iter]
    pages = recorder.to("GET", f"/v1/invoices/{invoice.id}/lineitems")
    assert len(lines) == 9
    assert len(pages) == 5  # page size 2
    assert all(r.url.params.get("seekOperation") == "Next" for r in pages[1:])
    assert all(r.headers.get("MS-ContinuationToken") for r in pages[1:])

    assert {line.invoice_number for line in lines} == {invoice.id}
    assert {line.customer_id for line in lines} == {customer.id}
    assert [(line.charge_type, line.subscription_id, line.quantity, line.total) for line in lines] == [
        ("new", main.id, Decimal(10), Decimal("60.00")),
        ("new", second.id, Decimal(3), Decimal("216.00")),
        ("removeQuantity", main.id, Decimal(10), Decimal("-60.00")),  # reduce 10 -> 8: wipe ...
        ("removeQuantity", main.id, Decimal(8), Decimal("48.00")),  # ... and recreate
        ("addQuantity", main.id, Decimal(8), Decimal("-46.40")),
        ("addQuantity", main.id, Decimal(12), Decimal("69.60")),
        ("cancelImmediate", second.id, Decimal(3), Decimal("-215.40")),
        ("addQuantity", main.id, Decimal(12), Decimal("-51.00")),
        ("addQuantity", main.id, Decimal(15), Decimal("63.75")),
    ]
    assert lines[4].effective_unit_price == Decimal("-5.806452")  # 6.00 / 31 days x 30 days
    assert (lines[4].charge_start, lines[4].charge_end) == (dt.date(2026, 3, 3), dt.date(2026, 4, 1))
    assert lines[2].reference_id == lines[3].reference_id != lines[4].reference_id == lines[5].reference_id
    assert all(isinstance(line.total, Decimal) and isinstance(line.unit_price, Decimal) for line in lines)
    assert sum((line.total for line in lines), Decimal(0)) == invoice.total_charges == Decimal("84.55")
    assert sleeps == []

    # the answers really had the shape asked for ...
    raw = sim.http.get(
        f"{sim.url}/v1/customers/{customer.id}/subscriptions/{main.id}",
        headers={"Authorization": "Bearer any"},
    ).content
    assert raw.startswith(b"\xef\xbb\xbf") is bool(switches.get("bom"))
    assert (b'"Id":' in raw, b'"id":' in raw) == (
        (True, False) if switches.get("pascal_case") else (False, True)
    )
    # ... and each PATCH sent back the full subscription just read, in its casing, one field changed
    patches = recorder.to("PATCH", "/subscriptions/")
    assert len(patches) == 6  # 8, 12, cancel, (refused) 11, (refused) cancel, 15
    for patch in patches:
        body = json.loads(patch.content)
        keys = set(body)
        expected = {
            "id",
            "offerId",
            "quantity",
            "status",
            "autoRenewEnabled",
            "refundableQuantity",
            "attributes",
        }
        if switches.get("pascal_case"):
            expected = {key[0].upper() + key[1:] for key in expected}
        assert expected <= keys, keys
        assert len({key.lower() for key in keys}) == len(keys)  # no key twice in two casings
