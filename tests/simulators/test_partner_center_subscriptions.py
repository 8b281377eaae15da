# SPDX-License-Identifier: AGPL-3.0-or-later
"""Partner Center simulator: the NCE subscription rules (168 h windows, seat lots, PATCH semantics)."""

from __future__ import annotations

import httpx

from tests.simulators.pc_support import (
    advance,
    body,
    buy,
    customer_with_mca,
    error,
    get_sub,
    patch_sub,
)


def _unbilled(client: httpx.Client) -> list[dict]:
    params = {
        "provider": "onetime",
        "invoicelineitemtype": "billinglineitems",
        "currencycode": "USD",
        "period": "current",
        "size": 100,
    }
    response = client.get("/v1/invoices/unbilled/lineitems", params=params)
    assert response.status_code == 200, response.text
    return body(response)["items"]


def test_nce_seat_windows_per_lot(client: httpx.Client) -> None:
    customer_id = customer_with_mca(client)
    sub = buy(client, customer_id, quantity=10)
    assert sub["status"] == "active"
    assert sub["autoRenewEnabled"] is True
    assert sub["commitmentEndDate"] == "2027-01-09T00:00:00Z"
    assert sub["commitmentEndDateTime"] == "2027-01-09T23:59:59Z"
    assert sub["billingCycleEndDate"] == "2026-02-09T00:00:00Z"
    assert sub["cancellationAllowedUntilDate"] == "2026-01-17T09:00:00Z"
    assert sub["refundOptions"] == [{"type": "Partial", "expiresAt": "2026-01-17T09:00:00Z"}]
    assert sub["refundableQuantity"] == {
        "totalQuantity": 10,
        "details": [{"quantity": 10, "allowedUntilDateTime": "2026-01-17T09:00:00Z"}],
    }

    reduced = patch_sub(client, sub, quantity=8)
    assert reduced.status_code == 200, reduced.text
    assert (body(reduced)["quantity"], body(reduced)["refundableQuantity"]["totalQuantity"]) == (8, 8)

    advance(client, "P8D")  # 2026-01-18T09:00Z: the purchase lot's window has passed
    assert get_sub(client, customer_id, sub["id"])["refundableQuantity"] == {
        "totalQuantity": 0,
        "details": [],
    }
    assert error(patch_sub(client, sub, quantity=7)) == (400, 900214)

    increased = patch_sub(client, sub, quantity=12)
    assert increased.status_code == 200, increased.text
    assert body(increased)["refundableQuantity"] == {
        "totalQuantity": 4,
        "details": [{"quantity": 4, "allowedUntilDateTime": "2026-01-25T09:00:00Z"}],
    }
    assert patch_sub(client, sub, quantity=9).status_code == 200  # 3 of the 4 new seats
    assert error(patch_sub(client, sub, quantity=7)) == (400, 900214)  # only 1 refundable seat left
    assert get_sub(client, customer_id, sub["id"])["quantity"] == 9
    assert error(patch_sub(client, sub, status="deleted")) == (400, 900213)

    rows = [(r["chargeType"], r["quantity"], str(r["subtotal"])) for r in _unbilled(client)]
    assert rows == [
        ("new", 10, "60.00"),
        # 2026-01-10: 10 -> 8 over the whole 31-day cycle
        ("removeQuantity", 10, "-60.00"),
        ("removeQuantity", 8, "48.00"),
        # 2026-01-18: 8 -> 12, 23 of 31 days left: EUP 6 x 23 / 31 = 4.451613 -> 4.45
        ("addQuantity", 8, "-35.60"),
        ("addQuantity", 12, "53.40"),
        ("removeQuantity", 12, "-53.40"),
        ("removeQuantity", 9, "40.05"),
    ]
    pair = [r for r in _unbilled(client) if r["chargeType"] == "addQuantity"]
    assert pair[0]["referenceId"] == pair[1]["referenceId"]
    assert str(pair[0]["effectiveUnitPrice"]) == "-4.451613"


def test_cancel_inside_window_posts_cancel_immediate(client: httpx.Client) -> None:
    customer_id = customer_with_mca(client)
    sub = buy(client, customer_id, quantity=5)
    advance(client, "P2D")  # 2026-01-12: 29 of 31 days unused

    response = patch_sub(client, sub, status="deleted")

    assert response.status_code == 200, response.text
    cancelled = body(response)
    assert (cancelled["status"], cancelled["autoRenewEnabled"]) == ("deleted", False)
    assert cancelled["refundableQuantity"] == {"totalQuantity": 0, "details": []}
    rows = _unbilled(client)
    assert [(r["chargeType"], str(r["effectiveUnitPrice"]), str(r["subtotal"])) for r in rows] == [
        ("new", "6.00", "30.00"),
        ("cancelImmediate", "-5.612903", "-28.05"),
    ]
    assert error(patch_sub(client, sub, status="active")) == (400, 2011)


def test_full_refund_inside_24_hours_when_enabled(client: httpx.Client) -> None:
    assert client.post("/_sim/config", json={"full_refund_24h": True}).status_code == 200
    customer_id = customer_with_mca(client)
    sub = buy(client, customer_id, quantity=5)
    assert [o["type"] for o in sub["refundOptions"]] == ["Full", "Partial"]
    advance(client, "PT20H")  # next day, still inside 24 h

    assert patch_sub(client, sub, status="deleted").status_code == 200

    assert [str(r["subtotal"]) for r in _unbilled(client)] == ["30.00", "-30.00"]


def test_suspend_blocks_quantity_changes_and_turns_auto_renew_off(client: httpx.Client) -> None:
    customer_id = customer_with_mca(client)
    sub = buy(client, customer_id, quantity=5)

    suspended = patch_sub(client, sub, status="suspended")

    assert suspended.status_code == 200, suspended.text
    assert (body(suspended)["status"], body(suspended)["autoRenewEnabled"]) == ("suspended", False)
    assert error(patch_sub(client, sub, quantity=6)) == (400, 2001)
    reactivated = patch_sub(client, sub, status="active", autoRenewEnabled=True)
    assert (body(reactivated)["status"], body(reactivated)["autoRenewEnabled"]) == ("active", True)
    assert patch_sub(client, sub, quantity=6).status_code == 200


def test_minimal_patch_turns_auto_renew_off_and_drops_scheduled_changes(client: httpx.Client) -> None:
    customer_id = customer_with_mca(client)
    sub = buy(client, customer_id, quantity=5)
    instructions = {
        "product": {
            "productId": "CFQ7TTC0LH18",
            "skuId": "0001",
            "availabilityId": "CFQ7TTC0K971",
            "billingCycle": "Monthly",
            "termDuration": "P1Y",
        },
        "quantity": 3,
    }
    scheduled = patch_sub(client, sub, scheduledNextTermInstructions=instructions)
    assert body(scheduled)["scheduledNextTermInstructions"] == instructions
    assert (
        body(patch_sub(client, sub, friendlyName="Sales team"))["scheduledNextTermInstructions"]
        == instructions
    )

    minimal = client.patch(
        f"/v1/customers/{customer_id}/subscriptions/{sub['id']}", json={"friendlyName": "Ops"}
    )

    assert minimal.status_code == 200, minimal.text
    assert body(minimal)["friendlyName"] == "Ops"
    assert body(minimal)["autoRenewEnabled"] is False
    assert "scheduledNextTermInstructions" not in body(minimal)


def test_scheduled_changes_are_validated(client: httpx.Client) -> None:
    customer_id = customer_with_mca(client)
    sub = buy(client, customer_id, quantity=5)
    product = {
        "productId": "CFQ7TTC0LH18",
        "skuId": "0001",
        "availabilityId": "CFQ7TTC0K971",
        "billingCycle": "Monthly",
        "termDuration": "P1Y",
    }

    late_end = {"product": product, "quantity": 3, "customTermEndDate": "2029-01-01"}
    assert error(patch_sub(client, sub, scheduledNextTermInstructions=late_end)) == (400, 900245)
    bad_offer = {"product": {**product, "availabilityId": "NOPE"}, "quantity": 3}
    assert error(patch_sub(client, sub, scheduledNextTermInstructions=bad_offer)) == (400, 800004)
    without_auto_renew = {"product": product, "quantity": 3}
    response = patch_sub(
        client, sub, autoRenewEnabled=False, scheduledNextTermInstructions=without_auto_renew
    )
    assert error(response) == (400, 800002)


def test_if_match_etag_and_immutable_fields(client: httpx.Client) -> None:
    customer_id = customer_with_mca(client)
    sub = buy(client, customer_id, quantity=5)
    path = f"/v1/customers/{customer_id}/subscriptions/{sub['id']}"
    stale = sub["attributes"]["etag"]
    assert patch_sub(client, sub, friendlyName="First").status_code == 200

    refused = client.patch(path, json={**sub, "friendlyName": "Second"}, headers={"If-Match": stale})

    assert error(refused) == (412, 2055)
    current = get_sub(client, customer_id, sub["id"])
    accepted = client.patch(
        path, json={**current, "friendlyName": "Second"}, headers={"If-Match": current["attributes"]["etag"]}
    )
    assert accepted.status_code == 200
    assert body(accepted)["attributes"]["etag"] != current["attributes"]["etag"]
    assert error(patch_sub(client, sub, termDuration="P3Y")) == (400, 3000)
    assert error(patch_sub(client, sub, offerId="CFQ7TTC0LF8Q:0001:CFQ7TTC0N81H")) == (400, 3000)
    assert error(patch_sub(client, sub, quantity=301)) == (400, 2002)
    assert error(patch_sub(client, sub, quantity=True)) == (400, 800002)
    assert get_sub(client, customer_id, sub["id"])["quantity"] == 5


def test_unknown_subscription_is_404(client: httpx.Client) -> None:
    customer_id = customer_with_mca(client)

    response = client.get(f"/v1/customers/{customer_id}/subscriptions/8d2b9c1e-0000-4000-8000-000000000000")

    assert error(response) == (404, 20003)
