# SPDX-License-Identifier: AGPL-3.0-or-later
"""Partner Center simulator: month close, invoices, reconciliation paging, cycle charges, renewals."""

from __future__ import annotations

from decimal import Decimal

import httpx

from tests.simulators.pc_support import (
    E3,
    advance,
    all_pages,
    body,
    buy,
    customer_with_mca,
    error,
    get_sub,
    money,
    patch_sub,
    set_now,
)

RECON = {"provider": "onetime", "invoicelineitemtype": "billinglineitems"}


def test_month_close_invoice_with_paged_line_items(client: httpx.Client) -> None:
    customer_id = customer_with_mca(client)
    annual_monthly = buy(client, customer_id, quantity=10)  # 2026-01-10 09:00
    advance(client, "P2D")
    assert patch_sub(client, annual_monthly, quantity=12).status_code == 200
    buy(client, customer_id, quantity=3, term="P1M")
    buy(client, customer_id, offer=E3, quantity=1, term="P1Y", cycle="Annual")
    assert client.get("/v1/invoices").json()["items"] == []

    moved = set_now(client, "2026-02-01T00:00:00Z")

    assert moved["jobsRun"] == 1
    assert body(client.get("/v1/invoices"))["items"] == []  # closed, published on the 7th (February)
    set_now(client, "2026-02-07T00:00:00Z")
    invoices = body(client.get("/v1/invoices"))["items"]
    assert [i["id"] for i in invoices] == ["G000024130"]
    invoice = body(client.get("/v1/invoices/G000024130"))
    assert invoice["billingPeriodStartDate"] == "2026-01-01T00:00:00Z"
    assert invoice["billingPeriodEndDate"] == "2026-01-31T00:00:00Z"
    assert (invoice["invoiceType"], invoice["documentType"]) == ("OneTime", "Invoice")
    assert invoice["invoiceDetails"][0]["billingProvider"] == "one_time"
    pages = all_pages(client, "/v1/invoices/G000024130/lineitems", RECON)  # default page size 2
    assert [len(page) for page in pages] == [2, 2, 1]
    rows = [row for page in pages for row in page]
    assert [(r["chargeType"], r["quantity"], str(r["unitPrice"]), str(r["subtotal"])) for r in rows] == [
        ("new", 10, "6.00", "60.00"),
        # +2 seats on 2026-01-12, 29 of 31 days: EUP 5.612903 -> 5.61 per seat
        ("addQuantity", 10, "6.00", "-56.10"),
        ("addQuantity", 12, "6.00", "67.32"),
        ("new", 3, "7.20", "21.60"),  # P1M = 1.2 x 72 / 12
        ("new", 1, "276.00", "276.00"),  # P1Y billed annually: the whole term upfront
    ]
    assert rows[1]["referenceId"] == rows[2]["referenceId"]
    assert all(r["invoiceNumber"] == "G000024130" for r in rows)
    assert all(r["attributes"]["objectType"] == "OneTimeInvoiceLineItem" for r in rows)
    assert rows[0]["chargeEndDate"] == "2026-02-09T00:00:00Z"
    assert rows[4]["chargeEndDate"] == "2027-01-11T00:00:00Z"
    assert rows[0]["termAndBillingCycle"] == "One-Year commitment for monthly/yearly billing"
    assert (
        money(invoice["totalCharges"]) == sum(money(r["totalForCustomer"]) for r in rows) == Decimal("368.82")
    )
    older_form = all_pages(client, "/v1/invoices/OneTime-G000024130/lineitems/OneTime/BillingLineItems", {})
    assert [r["referenceId"] for page in older_form for r in page] == [r["referenceId"] for r in rows]
    previous = {**RECON, "currencycode": "USD", "period": "previous", "size": 50}
    assert body(client.get("/v1/invoices/unbilled/lineitems", params=previous))["items"] == []

    advance(client, "P3D")  # 2026-02-10: second charge cycle of the annual-term monthly subscription

    current = {**RECON, "currencycode": "USD", "period": "current", "size": 50}
    unbilled = body(client.get("/v1/invoices/unbilled/lineitems", params=current))["items"]
    assert [(r["chargeType"], r["quantity"], str(r["subtotal"]), r["chargeStartDate"]) for r in unbilled] == [
        ("cycleCharge", 12, "72.00", "2026-02-10T00:00:00Z")
    ]
    assert error(client.get("/v1/invoices/G000099999")) == (404, 1000)
    assert error(client.get("/v1/invoices/G000024130/lineitems", params={"provider": "legacy"})) == (
        400,
        800002,
    )
    office = {"provider": "office", "invoicelineitemtype": "billinglineitems"}
    assert body(client.get("/v1/invoices/G000024130/lineitems", params=office))["items"] == []


def test_invoice_is_published_on_the_configured_day(client: httpx.Client) -> None:
    assert client.post("/_sim/config", json={"invoice_publish_day": 7}).status_code == 200
    customer_id = customer_with_mca(client)
    buy(client, customer_id, quantity=1)
    set_now(client, "2026-02-03T00:00:00Z")
    previous = {**RECON, "currencycode": "USD", "period": "previous"}

    assert body(client.get("/v1/invoices"))["items"] == []
    assert [
        r["chargeType"] for r in body(client.get("/v1/invoices/unbilled/lineitems", params=previous))["items"]
    ] == ["new"]

    set_now(client, "2026-02-07T00:00:00Z")

    assert [i["id"] for i in body(client.get("/v1/invoices"))["items"]] == ["G000024130"]
    assert body(client.get("/v1/invoices/unbilled/lineitems", params=previous))["items"] == []


def test_renewal_at_term_end_applies_scheduled_changes_or_expires(client: httpx.Client) -> None:
    customer_id = customer_with_mca(client)
    renewing = buy(client, customer_id, quantity=10, term="P1M")  # term 2026-01-10 .. 2026-02-09
    expiring = buy(client, customer_id, quantity=2, term="P1M")
    instructions = {
        "product": {
            "productId": "CFQ7TTC0LH18",
            "skuId": "0001",
            "availabilityId": "CFQ7TTC0K971",
            "billingCycle": "Monthly",
            "termDuration": "P1M",
        },
        "quantity": 5,
    }
    assert patch_sub(client, renewing, scheduledNextTermInstructions=instructions).status_code == 200
    assert patch_sub(client, expiring, autoRenewEnabled=False).status_code == 200

    set_now(client, "2026-02-09T23:59:59Z")
    assert get_sub(client, customer_id, renewing["id"])["commitmentEndDate"] == "2026-02-09T00:00:00Z"
    set_now(client, "2026-02-10T00:00:00Z")

    renewed = get_sub(client, customer_id, renewing["id"])
    assert (renewed["status"], renewed["quantity"], renewed["autoRenewEnabled"]) == ("active", 5, True)
    assert renewed["commitmentEndDate"] == "2026-03-09T00:00:00Z"
    assert renewed["cancellationAllowedUntilDate"] == "2026-02-17T00:00:00Z"
    assert renewed["refundableQuantity"]["totalQuantity"] == 5
    assert "scheduledNextTermInstructions" not in renewed
    expired = get_sub(client, customer_id, expiring["id"])
    assert (expired["status"], expired["autoRenewEnabled"]) == ("expired", False)
    assert error(patch_sub(client, expiring, quantity=3)) == (400, 2011)
    current = {**RECON, "currencycode": "USD", "period": "current"}
    rows = body(client.get("/v1/invoices/unbilled/lineitems", params={**current, "size": 50}))["items"]
    assert [
        (r["chargeType"], r["quantity"], str(r["subtotal"]), r["subscriptionStartDate"]) for r in rows
    ] == [("renew", 5, "36.00", "2026-02-10T00:00:00Z")]
    assert patch_sub(client, renewed, quantity=4).status_code == 200  # the renewal reopened the seat window


def test_tax_rate_and_rounding_modes_are_configurable(client: httpx.Client) -> None:
    config = client.post("/_sim/config", json={"tax_rate": "0.1", "rounding": "line_rounddown"})
    assert config.status_code == 200
    assert error(client.post("/_sim/config", json={"tax_rate": "NaN"})) == (400, 800002)
    assert error(client.post("/_sim/config", json={"rounding": "banker"})) == (400, 800002)
    assert error(client.post("/_sim/config", json={"no_such_key": 1})) == (400, 800002)
    customer_id = customer_with_mca(client)
    sub = buy(client, customer_id, quantity=10)
    advance(client, "P2D")

    assert patch_sub(client, sub, quantity=12).status_code == 200

    current = {**RECON, "currencycode": "USD", "period": "current", "size": 10}
    rows = body(client.get("/v1/invoices/unbilled/lineitems", params=current))["items"]
    # ROUNDDOWN(5.612903 x 10, 2) = -56.12 and ROUNDDOWN(5.612903 x 12, 2) = 67.35; tax 10 % half-up
    assert [(str(r["subtotal"]), str(r["taxTotal"]), str(r["totalForCustomer"])) for r in rows] == [
        ("60.00", "6.00", "66.00"),
        ("-56.12", "-5.61", "-61.73"),
        ("67.35", "6.74", "74.09"),
    ]
