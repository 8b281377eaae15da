# SPDX-License-Identifier: AGPL-3.0-or-later
"""Partner Center simulator: the answer-shape switches (`bom`, `pascal_case`) and PascalCase requests.

Microsoft's documented answers come BOM-prefixed on several endpoints (shown as `?{`) and, for
PATCH, with PascalCase keys; the switches make the simulator answer that way so the connector is
tested against both shapes end to end.
"""

from __future__ import annotations

import httpx
import pytest

from seatline.demo.management.commands.simulator import Command
from seatline.simulators.partner_center import jsonio
from seatline.simulators.partner_center.server import PartnerCenterSimulator, build_parser
from tests.simulators.pc_support import START, body, buy, customer_with_mca, get_sub

BOM = b"\xef\xbb\xbf"


def test_bom_switch_prefixes_api_answers_and_error_bodies_only(client: httpx.Client) -> None:
    customer_id = customer_with_mca(client)
    plain = client.get(f"/v1/customers/{customer_id}")
    assert not plain.content.startswith(BOM)

    switched = client.post("/_sim/config", json={"bom": True})
    assert (switched.status_code, switched.json()["bom"], switched.json()["pascal_case"]) == (
        200,
        True,
        False,
    )
    answer = client.get(f"/v1/customers/{customer_id}")
    assert answer.content.startswith(BOM + b"{")
    assert jsonio.loads(answer.content[len(BOM) :]) == body(plain)
    missing = client.get("/v1/customers/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    assert missing.content.startswith(BOM + b"{")
    assert jsonio.loads(missing.content[len(BOM) :])["code"] == 60003
    # the control API and the token endpoint keep plain JSON
    assert client.get("/_sim/config").content.startswith(b"{")
    assert client.post("/_sim/config", json={"bom": "yes"}).status_code == 400


def test_pascal_case_switch_recases_every_key(client: httpx.Client) -> None:
    customer_id = customer_with_mca(client)
    sub = buy(client, customer_id, quantity=4)
    assert client.post("/_sim/config", json={"pascal_case": True}).status_code == 200

    single = body(client.get(f"/v1/customers/{customer_id}/subscriptions/{sub['id']}"))
    assert (single["Id"], single["Quantity"], single["Status"]) == (sub["id"], 4, "active")
    assert single["Attributes"] == {"Etag": sub["attributes"]["etag"], "ObjectType": "Subscription"}
    assert single["RefundableQuantity"]["Details"][0]["Quantity"] == 4
    assert not any(key[0].islower() for key in single)
    listing = body(client.get(f"/v1/customers/{customer_id}/subscriptions"))
    assert (listing["TotalCount"], listing["Items"][0]["Id"]) == (1, sub["id"])
    refused = client.get(f"/v1/customers/{customer_id}/subscriptions/nope")
    assert (refused.status_code, set(body(refused))) == (
        404,
        {"Code", "Description", "ErrorName", "IsRetryable", "Parameters", "Source"},
    )


def test_pascal_case_request_bodies_are_read_like_camel_case_ones(client: httpx.Client) -> None:
    customer_id = customer_with_mca(client)
    sub = buy(client, customer_id, quantity=4)
    current = get_sub(client, customer_id, sub["id"])
    pascal = jsonio.pascal_keys({**current, "quantity": 6})
    response = client.patch(
        f"/v1/customers/{customer_id}/subscriptions/{sub['id']}", content=BOM + jsonio.dumps(pascal).encode()
    )
    assert response.status_code == 200, response.text
    after = body(response)
    # the change applied; auto-renew and the rest were read, not taken as omitted
    assert (after["quantity"], after["autoRenewEnabled"], after["status"]) == (6, True, "active")


def test_switches_from_the_command_line_survive_a_reset() -> None:
    args = build_parser().parse_args(["--bom", "--pascal-case"])
    assert (args.bom, args.pascal_case) == (True, True)
    assert (build_parser().parse_args([]).bom, build_parser().parse_args([]).pascal_case) == (False, False)
    options = (
        Command()
        .create_parser("seatline", "simulator")
        .parse_args(["partner-center", "--bom", "--pascal-case"])
    )
    assert (options.bom, options.pascal_case) == (True, True)

    sim = PartnerCenterSimulator(start_time=START, bom=True, pascal_case=True).start()
    try:
        with httpx.Client(base_url=sim.url, headers={"Authorization": "Bearer t"}, timeout=5) as http:
            assert http.post("/_sim/reset", json={}).status_code == 200
            config = http.get("/_sim/config").json()
            assert (config["bom"], config["pascal_case"]) == (True, True)
            answer = http.get("/v1/agreements", params={"agreementType": "MicrosoftCustomerAgreement"})
            assert answer.content.startswith(BOM + b'{"TotalCount":')
    finally:
        sim.stop()


@pytest.mark.parametrize("value", [{"Quantity": 2}, [{"Id": "a", "Links": {"Self": {"Uri": "/x"}}}]])
def test_recasing_round_trips(value: object) -> None:
    assert jsonio.pascal_keys(jsonio.camel_keys(value)) == value
