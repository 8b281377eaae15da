# SPDX-License-Identifier: AGPL-3.0-or-later
"""Partner Center simulator: tokens, auth, fault injection, delayed provisioning, persistence, CLI."""

from __future__ import annotations

import pathlib

import httpx
import pytest

from seatline.simulators.partner_center.server import PartnerCenterSimulator, build_parser
from tests.simulators.pc_support import (
    BASIC,
    START,
    advance,
    body,
    buy,
    create_customer,
    customer_with_mca,
    error,
    patch_sub,
)

TOKEN_PATH = "/contoso.onmicrosoft.com/oauth2/v2.0/token"


def _token(http: httpx.Client, path: str = TOKEN_PATH, **form: str) -> httpx.Response:
    return http.post(path, data=form)


def test_tokens_rotate_and_expire(simulator: PartnerCenterSimulator) -> None:
    with httpx.Client(base_url=simulator.url, timeout=5) as http:
        assert http.post("/_sim/config", json={"strict_auth": True, "token_lifetime": 600}).status_code == 200
        issued = _token(http, grant_type="client_credentials", client_id="app", client_secret="secret")
        assert issued.status_code == 200
        first = issued.json()
        assert (first["token_type"], first["expires_in"]) == ("Bearer", 600)
        assert set(first) >= {"access_token", "refresh_token", "scope"}

        assert error(http.get("/v1/customers")) == (401, 800001)
        assert http.get("/v1/customers", headers={"Authorization": "Bearer forged"}).status_code == 401
        assert (
            http.get(
                "/v1/customers", headers={"Authorization": f"Bearer {first['access_token']}"}
            ).status_code
            == 200
        )

        rotated = _token(
            http, grant_type="refresh_token", refresh_token=first["refresh_token"], client_id="app"
        )
        assert rotated.status_code == 200
        second = rotated.json()
        assert second["refresh_token"] != first["refresh_token"]
        reused = _token(
            http, grant_type="refresh_token", refresh_token=first["refresh_token"], client_id="app"
        )
        assert (reused.status_code, reused.json()["error"]) == (400, "invalid_grant")

        advance(http, "PT11M")
        expired = http.get("/v1/customers", headers={"Authorization": f"Bearer {second['access_token']}"})
        assert error(expired) == (401, 400)
        assert "WWW-Authenticate" in expired.headers
        v1 = _token(
            http,
            "/contoso.onmicrosoft.com/oauth2/token",
            grant_type="refresh_token",
            refresh_token=second["refresh_token"],
        )
        assert v1.status_code == 200
        assert v1.json()["resource"] == "https://api.partnercenter.microsoft.com"
        fresh = {"Authorization": f"Bearer {v1.json()['access_token']}"}
        assert http.get("/v1/customers", headers=fresh).status_code == 200
        assert _token(http, grant_type="password").json()["error"] == "unsupported_grant_type"


def test_missing_bearer_is_401_even_when_not_strict(simulator: PartnerCenterSimulator) -> None:
    with httpx.Client(base_url=simulator.url, timeout=5) as http:
        response = http.get("/v1/customers")

    assert error(response) == (401, 800001)
    assert response.json()["isRetryable"] is False


def test_throttling_fault_with_retry_after(client: httpx.Client) -> None:
    customer_id = customer_with_mca(client)
    sub = buy(client, customer_id, quantity=5)
    fault = {"route": "PATCH /v1/customers/*/subscriptions/*", "status": 429, "retry_after": 1, "count": 2}
    assert client.post("/_sim/faults", json=fault).status_code == 200

    first = patch_sub(client, sub, quantity=6)
    second = patch_sub(client, sub, quantity=6)
    third = patch_sub(client, sub, quantity=6)

    assert [first.status_code, second.status_code, third.status_code] == [429, 429, 200]
    assert first.headers["Retry-After"] == "1"
    assert (first.json()["code"], first.json()["isRetryable"]) == (429, True)
    assert body(third)["quantity"] == 6
    assert body(client.get("/_sim/faults"))["faults"] == []


def test_accepted_fault_runs_the_patch_and_answers_202(client: httpx.Client) -> None:
    customer_id = customer_with_mca(client)
    sub = buy(client, customer_id, quantity=5)
    client.post("/_sim/faults", json={"route": "PATCH /v1/customers/*/subscriptions/*", "status": 202})

    response = patch_sub(client, sub, quantity=7)

    assert response.status_code == 202
    assert response.headers["Location"] == f"/customers/{customer_id}/subscriptions/{sub['id']}"
    assert body(client.get("/v1" + response.headers["Location"]))["quantity"] == 7


def test_delayed_provisioning_keeps_order_pending(client: httpx.Client) -> None:
    customer_id = customer_with_mca(client)
    client.post("/_sim/faults", json={"delay_provisioning": True})
    cart = body(
        client.post(
            f"/v1/customers/{customer_id}/carts",
            json={
                "lineItems": [
                    {"catalogItemId": BASIC, "quantity": 2, "termDuration": "P1Y", "billingCycle": "Annual"}
                ]
            },
        )
    )

    order = body(client.post(f"/v1/customers/{customer_id}/carts/{cart['id']}/checkout"))["orders"][0]

    assert order["status"] == "pending"
    assert "subscriptionId" not in order["lineItems"][0]
    assert body(client.get(f"/v1/customers/{customer_id}/subscriptions"))["items"] == []
    advance(client, "PT30S")
    assert body(client.get(f"/v1/customers/{customer_id}/orders/{order['id']}"))["status"] == "pending"
    advance(client, "PT30S")
    done = body(client.get(f"/v1/customers/{customer_id}/orders/{order['id']}"))
    assert done["status"] == "completed"
    subs = body(client.get(f"/v1/customers/{customer_id}/subscriptions", params={"order_id": order["id"]}))[
        "items"
    ]
    assert [s["id"] for s in subs] == [done["lineItems"][0]["subscriptionId"]]
    assert subs[0]["creationDate"] == "2026-01-10T09:01:00Z"


def test_error_fault_and_unknown_route(client: httpx.Client) -> None:
    client.post("/_sim/faults", json={"route": "GET /v1/customers", "status": 503})

    assert error(client.get("/v1/customers")) == (503, 503)
    assert client.get("/v1/customers").status_code == 200
    assert error(client.get("/v1/nothing/here")) == (404, 1000)
    assert error(client.delete("/v1/customers")) == (405, 405)


def test_clock_control(client: httpx.Client) -> None:
    assert client.get("/_sim/clock").json() == {"now": "2026-01-10T09:00:00Z"}
    assert advance(client, "PT5H")["now"] == "2026-01-10T14:00:00Z"
    assert advance(client, "P3D")["now"] == "2026-01-13T14:00:00Z"
    assert error(client.post("/_sim/clock", json={"now": "2025-01-01T00:00:00Z"})) == (400, 800002)
    assert error(client.post("/_sim/clock", json={"advance": "three days"})) == (400, 800002)
    create_customer(client)
    assert client.post("/_sim/reset").json() == {"now": "2026-01-10T09:00:00Z"}
    assert body(client.get("/v1/customers"))["items"] == []


def test_state_survives_a_restart(tmp_path: pathlib.Path) -> None:
    state_file = tmp_path / "partner-center.json"
    first = PartnerCenterSimulator(state_path=state_file, start_time=START).start()
    try:
        with httpx.Client(base_url=first.url, headers={"Authorization": "Bearer t"}, timeout=5) as http:
            customer_id = customer_with_mca(http)
            sub = buy(http, customer_id, quantity=4)
            advance(http, "P1D")
    finally:
        first.stop()
    assert state_file.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["partner-center.json"]  # no temporary files left

    second = PartnerCenterSimulator(state_path=state_file).start()
    try:
        with httpx.Client(base_url=second.url, headers={"Authorization": "Bearer t"}, timeout=5) as http:
            assert http.get("/_sim/clock").json() == {"now": "2026-01-11T09:00:00Z"}
            assert [c["id"] for c in body(http.get("/v1/customers"))["items"]] == [customer_id]
            restored = body(http.get(f"/v1/customers/{customer_id}/subscriptions/{sub['id']}"))
            assert (restored["quantity"], restored["refundableQuantity"]["totalQuantity"]) == (4, 4)
            params = {
                "provider": "onetime",
                "invoicelineitemtype": "billinglineitems",
                "currencycode": "USD",
                "period": "current",
            }
            rows = body(http.get("/v1/invoices/unbilled/lineitems", params=params))["items"]
            assert [(r["chargeType"], str(r["subtotal"])) for r in rows] == [("new", "24.00")]
            assert patch_sub(http, restored, quantity=2).status_code == 200
    finally:
        second.stop()


def test_cli_parser_defaults() -> None:
    args = build_parser().parse_args([])

    assert (args.host, args.port, args.state, args.page_size) == ("127.0.0.1", 8400, None, None)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--port", "not-a-port"])


def test_management_command_arguments() -> None:
    from django.core.management import CommandError

    from seatline.demo.management.commands.simulator import Command

    parser = Command().create_parser("seatline", "simulator")
    options = parser.parse_args(["partner-center", "--port", "8499", "--state", "var/pc.json"])

    assert (options.vendor, options.port, options.state, options.host) == (
        "partner-center",
        8499,
        "var/pc.json",
        "127.0.0.1",
    )
    with pytest.raises(CommandError):
        parser.parse_args(["td-synnex"])  # no simulator of that vendor
