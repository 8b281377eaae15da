# SPDX-License-Identifier: AGPL-3.0-or-later
"""Subscriptions: Microsoft's documented answers (fixtures/partner_center/subscriptions) over loopback.

Every field the connector reads is asserted (whole `ProviderSubscription`s are compared), for the
answers as published and BOM-prefixed; the PATCH tests check what was sent back (always the full
subscription just read, one field changed, in the casing it came with) and that a documented
PascalCase 200 answer is only stored when it is about the subscription and complete.
"""

from __future__ import annotations

import datetime as dt

import pytest

from seatline.connectors.base import (
    NextTermInstructions,
    ProviderSubscription,
    RefundableLot,
    RefundableQuantity,
    RefundOption,
    SubscriptionStatus,
)
from seatline.connectors.errors import ProviderBadResponseError, ProviderQuantityInvalidError
from seatline.connectors.partner_center.parsing import excerpt
from tests.connectors.documented import (
    BOM,
    REQUEST_ID,
    answer,
    connector,
    data,
    in_collection,
    raw,
    sent_json,
    sequence,
)
from tests.connectors.local_server import LocalServer, Reply

UTC = dt.UTC
NCE_CUSTOMER = "d8202a51-69f9-4228-b900-d0e081af17d7"
NCE_ID = "a4c1340d-6911-4758-bba3-0c4c6007d161"
LEGACY_ID = "83ef9d05-4169-4ef9-9657-0e86b1eab1de"
MARKETPLACE_CUSTOMER = "5921f00a-32c0-4457-aaa1-e8018c650895"
MARKETPLACE_ID = "6e7aa601-629e-461b-8933-0898c3cc3c7c"
AZURE_CUSTOMER = "4d3cf487-70f4-4e1e-9ff1-b2bfce8d9f04"


def data_excerpt(fixture: str) -> str:
    return excerpt(raw(fixture))


def path(customer: str, subscription: str) -> str:
    return f"/v1/customers/{customer}/subscriptions/{subscription}"


# -- what the documented subscriptions read as -------------------------------------------------------

AZURE = ProviderSubscription(
    id="A356AC8C-E310-44F4-BF85-C7F29044AF99",
    customer_id=AZURE_CUSTOMER,
    offer_id="MS-AZR-0145P",
    quantity=1,
    status=SubscriptionStatus.ACTIVE,
    term_duration="",
    billing_cycle="",
    auto_renew=False,
    offer_name="Microsoft Azure",
    friendly_name="Microsoft Azure",
    order_id="B23FDEDD-D6BD-415A-8B71-3624C81C9644",
    start=dt.datetime(2016, 5, 10, tzinfo=UTC),
    commitment_end=dt.date(9999, 12, 10),
    etag="eyJpZCI6ImEzNTZhYzhjLWUzMTAtNDRmNC1iZjg1LWM3ZjI5MDQ0YWY5OSIsInZlcnNpb24iOjJ9",
)
ADDON = ProviderSubscription(
    id="968BA1CF-C146-4ADF-A300-308DCF718EEE",
    customer_id=AZURE_CUSTOMER,
    offer_id="2828BE95-46BA-4F91-B2FD-0BEF192ECF60",
    quantity=2,
    status=SubscriptionStatus.ACTIVE,
    term_duration="",
    billing_cycle="",
    auto_renew=True,
    offer_name="Exchange Online Archiving for Exchange Online",
    friendly_name="Some friendly name",
    order_id="CF3B0E37-BE0B-4CDD-B584-D1A97D98A922",
    start=dt.datetime(2017, 1, 25, tzinfo=UTC),
    commitment_end=dt.date(2018, 2, 10),
    etag="eyJpZCI6Ijk2OGJhMWNmLWMxNDYtNGFkZi1hMzAwLTMwOGRjZjcxOGVlZSIsInZlcnNpb24iOjF9",
)
NCE_REFUND_UNTIL = dt.datetime(2021, 1, 15, tzinfo=UTC)
NCE_LOT = RefundableLot(10, dt.datetime(2021, 1, 24, 20, 39, 17, 182697, tzinfo=UTC))
NCE = ProviderSubscription(
    id=NCE_ID,
    customer_id=NCE_CUSTOMER,
    offer_id="CFQ7TTC0LH18:0001:CFQ7TTC0K971",
    quantity=15,
    status=SubscriptionStatus.EXPIRED,
    term_duration="P1Y",
    billing_cycle="monthly",
    auto_renew=False,
    offer_name="Microsoft 365 Business Basic",
    friendly_name="Microsoft 365 Business Basic",
    order_id="34b37d7340cc",
    start=dt.datetime(2021, 1, 14, 16, 57, 14, 498252, tzinfo=UTC),
    commitment_end=dt.date(2022, 1, 13),
    # only refundOptions carries the cancellation window: the Full refund ends first
    cancellation_allowed_until=NCE_REFUND_UNTIL,
    refund_options=(RefundOption("Full", NCE_REFUND_UNTIL),),
    refundable_quantity=RefundableQuantity(10, (NCE_LOT,)),
)
# Printed as the 202 answer of a reduction to one seat: the subscription read after it.
NCE_REDUCED = ProviderSubscription(
    **{
        **vars(NCE),
        "quantity": 1,
        "status": SubscriptionStatus.ACTIVE,
        "auto_renew": True,
        "refundable_quantity": RefundableQuantity(1, (RefundableLot(1, NCE_LOT.allowed_until),)),
    }
)
SCHEDULE = NextTermInstructions(
    offer_id="DG7GMGF0DVSV:000P:DG7GMGF0F3Q9",
    term_duration="P3Y",
    billing_cycle="annual",
    quantity=1,
    custom_term_end_date=dt.date(2019, 1, 9),
    promotion_id="39NFJQT1PFPJ:000H:39NFJQT1Q5DK",
)
MARKETPLACE_REFUND_UNTIL = dt.datetime(2019, 1, 10, 0, 21, 45, 926372, tzinfo=UTC)
SCHEDULED = ProviderSubscription(
    id=MARKETPLACE_ID,
    customer_id=MARKETPLACE_CUSTOMER,
    offer_id="DZH318Z0BXWC:0001:DZH318Z0BMJX",
    quantity=1,
    status=SubscriptionStatus.ACTIVE,
    term_duration="P1M",
    billing_cycle="monthly",
    auto_renew=True,
    offer_name="offer Name",
    friendly_name="friendly Name",
    order_id="ImxjLNL4_fOc-2KoyOxGTZcrlIquzls11",
    start=dt.datetime(2019, 1, 9, 0, 21, 45, 926372, tzinfo=UTC),  # "+00:00", seven digits
    commitment_end=dt.date(2019, 2, 8),
    cancellation_allowed_until=MARKETPLACE_REFUND_UNTIL,
    refund_options=(RefundOption("Full", MARKETPLACE_REFUND_UNTIL),),
    next_term=SCHEDULE,
)
CANCELLED = ProviderSubscription(
    **{**vars(SCHEDULED), "status": SubscriptionStatus.DELETED, "auto_renew": False, "next_term": None}
)
LEGACY_PROBLEMS = (
    "items[0].effectiveStartDate: unreadable date '2015-11-24T08: 00: 00Z'",
    "items[0].creationDate: unreadable date '2015-11-25T06: 41: 12Z'",
    "items[0].commitmentEndDate: unreadable date '2016-12-12T08: 00: 00Z'",
)
LEGACY_LISTED = ProviderSubscription(
    id=LEGACY_ID,
    customer_id=NCE_CUSTOMER,
    offer_id="",
    quantity=1,
    status=SubscriptionStatus.ACTIVE,
    term_duration="",
    billing_cycle="",
    auto_renew=False,
    friendly_name="nickname",
    order_id="6183db3d-6318-4e52-877e-25806e4971be",
    etag="<etag>",
    problems=LEGACY_PROBLEMS,
)
SOFTWARE = ProviderSubscription(
    id="924671ba-eab9-45d7-95ed-dbd9477f182b",
    customer_id=NCE_CUSTOMER,
    offer_id="DG7GMGF0FKZV:0003:DG7GMGF0DQLM",
    quantity=1,
    status=SubscriptionStatus.ACTIVE,
    term_duration="P3Y",
    billing_cycle="triennial",
    auto_renew=True,
    offer_name="SQL Server Enterprise - 2 Core License Pack - 3 year",
    friendly_name="SQL Server Enterprise - 2 Core License Pack - 3 year",
    order_id="12345678901",
    start=dt.datetime(2021, 10, 15, 21, 28, 18, 478684, tzinfo=UTC),
    commitment_end=dt.date(2024, 10, 14),
    cancellation_allowed_until=dt.datetime(2021, 11, 14, 23, 59, tzinfo=UTC),
)


def pascal_legacy(quantity: int, status: str, auto_renew: bool) -> ProviderSubscription:
    """What the documented PascalCase answers (legacy subscription 83ef9d05...) read as."""
    return ProviderSubscription(
        id=LEGACY_ID,
        customer_id=NCE_CUSTOMER,
        offer_id="",
        quantity=quantity,
        status=SubscriptionStatus(status),
        term_duration="",
        billing_cycle="",
        auto_renew=auto_renew,
        friendly_name="nickname",
        order_id="6183db3d-6318-4e52-877e-25806e4971be",
        start=dt.datetime(2015, 11, 24, 8, tzinfo=UTC),
        commitment_end=dt.date(2016, 12, 12),
        etag="<etag>",
    )


# -- reads -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("bom", [False, True], ids=["plain", "bom"])
@pytest.mark.parametrize(
    ("fixture", "customer", "expected"),
    [
        ("subscriptions/get-a-subscription-by-id.azure.json", AZURE_CUSTOMER, AZURE),
        ("subscriptions/get-a-subscription-by-id.addon.json", AZURE_CUSTOMER, ADDON),
        ("subscriptions/get-a-subscription-by-id.nce.json", NCE_CUSTOMER, NCE),
        ("subscriptions/change-the-quantity-of-a-subscription.nce.json", NCE_CUSTOMER, NCE_REDUCED),
        ("subscriptions/create-scheduled-changes.json", MARKETPLACE_CUSTOMER, SCHEDULED),
        ("subscriptions/cancel-an-azure-marketplace-subscription.json", MARKETPLACE_CUSTOMER, CANCELLED),
    ],
)
def test_documented_subscription_reads(
    loopback: LocalServer, fixture: str, customer: str, expected: ProviderSubscription, bom: bool
) -> None:
    for asked in (expected.id, expected.id.lower()):
        loopback.routes[f"GET {path(customer, asked)}"] = lambda seen: answer(fixture, bom=bom)
    pc = connector(loopback)
    assert pc.get_subscription(customer, expected.id) == expected
    # ids are GUIDs: the answer is accepted whatever the case it writes them in
    assert pc.get_subscription(customer, expected.id.lower()).id == expected.id


@pytest.mark.parametrize("bom", [False, True], ids=["plain", "bom"])
def test_documented_lists_report_unreadable_dates_on_the_item(loopback: LocalServer, bom: bool) -> None:
    listing = f"/v1/customers/{NCE_CUSTOMER}/subscriptions"
    loopback.routes[f"GET {listing}"] = lambda seen: answer(
        "subscriptions/get-a-list-of-subscriptions-by-order.json"
        if seen.query.get("order_id")
        else "subscriptions/get-all-of-a-customer-s-subscriptions.json",
        bom=bom,
    )
    pc = connector(loopback)
    assert pc.list_subscriptions(NCE_CUSTOMER) == [LEGACY_LISTED]
    by_order = pc.subscriptions.list(NCE_CUSTOMER, order_id="{id-for-order}")
    assert by_order == [
        ProviderSubscription(
            **{**vars(LEGACY_LISTED), "friendly_name": "Myofferpurchase", "order_id": "{id-for-order}"}
        )
    ]
    assert loopback.requests_to("GET", listing)[1].query == {"order_id": ["{id-for-order}"]}

    loopback.routes[f"GET {listing}"] = lambda seen: answer(
        "subscriptions/get-all-of-a-customer-s-subscriptions.software.json", bom=bom
    )
    assert pc.list_subscriptions(NCE_CUSTOMER) == [SOFTWARE]


def test_one_unreadable_date_never_fails_the_list(loopback: LocalServer) -> None:
    # test-made list: the documented NCE subscription next to the documented legacy item
    legacy = data("subscriptions/get-all-of-a-customer-s-subscriptions.json")["items"][0]
    nce = data("subscriptions/get-a-subscription-by-id.nce.json")
    nce["refundableQuantity"]["details"].append({"quantity": 2, "allowedUntilDateTime": "tomorrow"})
    nce["refundableQuantity"]["totalQuantity"] = 12
    loopback.routes[f"GET /v1/customers/{NCE_CUSTOMER}/subscriptions"] = lambda seen: answer(
        in_collection(nce, legacy)
    )
    first, second = connector(loopback).list_subscriptions(NCE_CUSTOMER)
    assert first.problems == (
        "items[0].refundableQuantity.details[1].allowedUntilDateTime: unreadable date 'tomorrow'",
    )
    # seats whose deadline cannot be read are not counted as reducible
    assert first.refundable_quantity == RefundableQuantity(10, (NCE_LOT,))
    assert (first.cancellation_allowed_until, first.quantity) == (NCE_REFUND_UNTIL, 15)
    assert second.problems == tuple(p.replace("items[0]", "items[1]") for p in LEGACY_PROBLEMS)
    assert (second.id, second.quantity, second.start, second.commitment_end) == (LEGACY_ID, 1, None, None)


# -- changes: PATCH with the documented answers ------------------------------------------------------


def test_change_quantity_with_the_documented_pascal_case_answer(loopback: LocalServer) -> None:
    """GET the documented legacy subscription, PATCH it back with 2 seats; the 200 answer is PascalCase."""
    before = data("subscriptions/get-all-of-a-customer-s-subscriptions.json")["items"][0]
    route = path(NCE_CUSTOMER, LEGACY_ID)
    loopback.routes[f"GET {route}"] = lambda seen: answer(before)
    loopback.routes[f"PATCH {route}"] = lambda seen: answer(
        "subscriptions/change-the-quantity-of-a-subscription.200.json", bom=True
    )
    result = connector(loopback).change_quantity(NCE_CUSTOMER, LEGACY_ID, 2)
    assert result == pascal_legacy(2, "active", False)
    (patch,) = loopback.requests_to("PATCH", route)
    assert sent_json(patch) == {**before, "quantity": 2}  # the full body read, one field changed
    assert patch.headers["if-match"] == "<etag>"
    assert len(loopback.requests_to("GET", route)) == 1  # the answer was complete: no re-read


LEGACY_LIST = "subscriptions/get-all-of-a-customer-s-subscriptions.json"


@pytest.mark.parametrize(
    ("change", "read_before", "documented_answer", "changed", "expected"),
    [
        (
            "suspend",
            "subscriptions/change-the-quantity-of-a-subscription.200.json",
            "subscriptions/suspend-a-subscription.200.json",
            {"Status": "suspended"},
            pascal_legacy(2, "suspended", False),
        ),
        (
            "activate",
            "subscriptions/suspend-a-subscription.200.json",
            "subscriptions/reactivate-a-suspended-a-subscription.200.json",
            {"Status": "active"},
            pascal_legacy(2, "active", False),
        ),
        (
            "auto_renew",
            LEGACY_LIST,
            "subscriptions/update-a-subscription-by-id.200.json",
            {"autoRenewEnabled": True},
            pascal_legacy(1, "active", True),
        ),
    ],
)
def test_changes_with_the_documented_pascal_case_answers(
    loopback: LocalServer,
    change: str,
    read_before: str,
    documented_answer: str,
    changed: dict[str, object],
    expected: ProviderSubscription,
) -> None:
    before = data(read_before)["items"][0] if read_before == LEGACY_LIST else data(read_before)
    route = path(NCE_CUSTOMER, LEGACY_ID)
    loopback.routes[f"GET {route}"] = lambda seen: answer(before, bom=True)
    loopback.routes[f"PATCH {route}"] = lambda seen: answer(documented_answer, bom=True)
    pc = connector(loopback)
    if change == "suspend":
        assert pc.suspend(NCE_CUSTOMER, LEGACY_ID) == expected
    elif change == "activate":
        assert pc.activate(NCE_CUSTOMER, LEGACY_ID) == expected
    else:
        assert pc.set_auto_renew(NCE_CUSTOMER, LEGACY_ID, True) == expected
    (patch,) = loopback.requests_to("PATCH", route)
    # the full body read, in its casing, one field changed (PascalCase read: the documented request)
    assert sent_json(patch) == {**before, **changed}
    assert len(loopback.requests_to("GET", route)) == 1


def test_a_pascal_case_answer_that_does_not_show_the_change_fails_closed(loopback: LocalServer) -> None:
    route = path(NCE_CUSTOMER, LEGACY_ID)
    loopback.routes[f"GET {route}"] = lambda seen: answer(
        "subscriptions/change-the-quantity-of-a-subscription.200.json"
    )
    # documented answer with one seat and auto-renew on, to a PATCH of a two-seat subscription
    loopback.routes[f"PATCH {route}"] = lambda seen: answer(
        "subscriptions/update-a-subscription-by-id.200.json"
    )
    with pytest.raises(ProviderBadResponseError) as refused:
        connector(loopback).set_auto_renew(NCE_CUSTOMER, LEGACY_ID, True)
    assert refused.value.message == (
        f"the answer to GET {route} (MS-RequestId {REQUEST_ID}) does not confirm turning auto-renew on (it does "
        "not show the change); the PATCH answer was not usable either (it reads 1 seat(s) where 2 are "
        "expected); the body starts '"
        + data_excerpt("subscriptions/change-the-quantity-of-a-subscription.200.json")
        + "'"
    )


def test_a_partial_pascal_case_answer_is_replaced_by_a_fresh_read(loopback: LocalServer) -> None:
    # test-made: the documented NCE subscription given the id of the documented PascalCase answer
    nce = {**data("subscriptions/change-the-quantity-of-a-subscription.nce.json"), "id": LEGACY_ID}
    after = {**nce, "quantity": 2}
    route = path(NCE_CUSTOMER, LEGACY_ID)
    loopback.routes[f"GET {route}"] = sequence(answer(nce), answer(after))
    loopback.routes[f"PATCH {route}"] = lambda seen: answer(
        "subscriptions/change-the-quantity-of-a-subscription.200.json"
    )
    result = connector(loopback).change_quantity(NCE_CUSTOMER, LEGACY_ID, 2)
    # the PascalCase answer lacks offerId, termDuration, refundOptions, ...: never stored as is
    assert (result.offer_id, result.quantity, result.term_duration) == (
        "CFQ7TTC0LH18:0001:CFQ7TTC0K971",
        2,
        "P1Y",
    )
    assert result.cancellation_allowed_until == NCE_REFUND_UNTIL
    assert len(loopback.requests_to("GET", route)) == 2


def test_an_answer_about_another_subscription_is_never_stored(loopback: LocalServer) -> None:
    """Reduce the documented NCE subscription to one seat; the 200 answer names 83ef9d05...."""
    route = path(NCE_CUSTOMER, NCE_ID)
    loopback.routes[f"GET {route}"] = sequence(
        answer("subscriptions/get-a-subscription-by-id.nce.json", bom=True),
        answer("subscriptions/change-the-quantity-of-a-subscription.nce.json", bom=True),
    )
    loopback.routes[f"PATCH {route}"] = lambda seen: answer(
        "subscriptions/change-the-quantity-of-a-subscription.200.json"
    )
    assert connector(loopback).change_quantity(NCE_CUSTOMER, NCE_ID, 1) == NCE_REDUCED
    (patch,) = loopback.requests_to("PATCH", route)
    assert sent_json(patch) == {**data("subscriptions/get-a-subscription-by-id.nce.json"), "quantity": 1}


def test_the_documented_202_is_polled_until_the_change_shows(loopback: LocalServer) -> None:
    route = path(NCE_CUSTOMER, NCE_ID)
    loopback.routes[f"GET {route}"] = sequence(
        answer("subscriptions/get-a-subscription-by-id.nce.json"),  # read before the PATCH
        answer("subscriptions/get-a-subscription-by-id.nce.json"),  # first poll: not yet
        answer("subscriptions/change-the-quantity-of-a-subscription.nce.json", bom=True),
    )
    loopback.routes[f"PATCH {route}"] = lambda seen: Reply(
        202, None, {"Location": f"/customers/{NCE_CUSTOMER}/subscriptions/{NCE_ID}"}
    )
    sleeps: list[float] = []
    assert connector(loopback, sleeps).change_quantity(NCE_CUSTOMER, NCE_ID, 1) == NCE_REDUCED
    assert sleeps == [1]


def test_scheduled_changes_and_cancellation_with_the_documented_answers(loopback: LocalServer) -> None:
    route = path(MARKETPLACE_CUSTOMER, MARKETPLACE_ID)
    # test-made: the documented answer without its instructions, as the subscription read before
    before = data("subscriptions/create-scheduled-changes.json")
    del before["scheduledNextTermInstructions"]
    loopback.routes[f"GET {route}"] = lambda seen: answer(before)
    loopback.routes[f"PATCH {route}"] = lambda seen: answer("subscriptions/create-scheduled-changes.json")
    pc = connector(loopback)
    assert pc.schedule_next_term(MARKETPLACE_CUSTOMER, MARKETPLACE_ID, SCHEDULE) == SCHEDULED
    instructions = sent_json(loopback.requests_to("PATCH", route)[0])["scheduledNextTermInstructions"]
    assert instructions == {
        "product": {
            "productId": "DG7GMGF0DVSV",
            "skuId": "000P",
            "availabilityId": "DG7GMGF0F3Q9",
            "billingCycle": "annual",
            "termDuration": "P3Y",
            "promotionId": "39NFJQT1PFPJ:000H:39NFJQT1Q5DK",
        },
        "quantity": 1,
        "customTermEndDate": "2019-01-09",
    }

    loopback.routes[f"GET {route}"] = lambda seen: answer(
        "subscriptions/create-scheduled-changes.json", bom=True
    )
    loopback.routes[f"PATCH {route}"] = lambda seen: answer(
        "subscriptions/cancel-an-azure-marketplace-subscription.json", bom=True
    )
    assert pc.cancel(MARKETPLACE_CUSTOMER, MARKETPLACE_ID) == CANCELLED
    cancel = sent_json(loopback.requests_to("PATCH", route)[1])
    assert cancel == {**data("subscriptions/create-scheduled-changes.json"), "status": "deleted"}


@pytest.mark.parametrize("bom", [False, True], ids=["plain", "bom"])
def test_the_documented_800090_keeps_its_code_with_a_bom(loopback: LocalServer, bom: bool) -> None:
    route = path(NCE_CUSTOMER, NCE_ID)
    loopback.routes[f"GET {route}"] = lambda seen: answer("subscriptions/get-a-subscription-by-id.nce.json")
    loopback.routes[f"PATCH {route}"] = lambda seen: answer(
        "subscriptions/change-the-quantity-of-a-subscription.800090.json", 400, bom=bom
    )
    with pytest.raises(ProviderQuantityInvalidError) as refused:
        connector(loopback).change_quantity(NCE_CUSTOMER, NCE_ID, 1)
    error = refused.value
    assert (error.code, error.provider_code, error.http_status, error.request_id) == (
        "provider_quantity_invalid",
        800090,
        400,
        REQUEST_ID,
    )
    assert (error.message, error.provider_message) == (
        "the quantity cannot be decreased",
        "Subscription quantity cannot be decreased.",
    )


def test_an_unreadable_answer_is_an_error_naming_the_call_never_an_empty_subscription(
    loopback: LocalServer,
) -> None:
    route = path(NCE_CUSTOMER, NCE_ID)
    truncated = BOM + b'{"id": "a4c1340d-6911-4758-bba3-0c4c6007d161", "quantity": 1'
    loopback.routes[f"GET {route}"] = lambda seen: answer(truncated)
    pc = connector(loopback)
    with pytest.raises(ProviderBadResponseError) as unreadable:
        pc.get_subscription(NCE_CUSTOMER, NCE_ID)
    error = unreadable.value
    assert (error.code, error.http_status, error.request_id) == ("provider_bad_response", 200, REQUEST_ID)
    assert error.message.startswith(
        f"the answer to GET {route} (MS-RequestId {REQUEST_ID}) is not readable JSON ("
    )
    assert error.message.endswith(
        '; the body starts \'\\xef\\xbb\\xbf{"id": "a4c1340d-6911-4758-bba3-0c4c6007d161", "quantity": 1\''
    )
    assert error.body_excerpt.startswith("\\xef\\xbb\\xbf{")

    for body, reason in [
        (b"", "is empty, not a JSON object"),
        (b"[]", "is not a JSON object"),
        (BOM + b'{"Quantity": 1, "Status": "active"}', "lacks id"),
        (
            answer("subscriptions/get-a-subscription-by-id.azure.json").body,
            "is about id 'A356AC8C-E310-44F4-BF85-C7F29044AF99', not the 'a4c1340d-6911-4758-bba3-0c4c6007d161' asked for",
        ),
    ]:
        loopback.routes[f"GET {route}"] = lambda seen, body=body: answer(body)
        with pytest.raises(ProviderBadResponseError) as refused:
            pc.get_subscription(NCE_CUSTOMER, NCE_ID)
        assert reason in refused.value.message
    # nothing was ever PATCHed: a minimal body cannot be sent without a full subscription read
    with pytest.raises(ProviderBadResponseError):
        pc.change_quantity(NCE_CUSTOMER, NCE_ID, 3)
    assert loopback.requests_to("PATCH", route) == []


def test_an_unreadable_patch_answer_is_read_again_and_fails_closed(loopback: LocalServer) -> None:
    route = path(NCE_CUSTOMER, NCE_ID)
    loopback.routes[f"GET {route}"] = sequence(
        answer("subscriptions/get-a-subscription-by-id.nce.json"),
        answer("subscriptions/change-the-quantity-of-a-subscription.nce.json", bom=True),
    )
    loopback.routes[f"PATCH {route}"] = lambda seen: answer(BOM + b"<html>gateway</html>")
    pc = connector(loopback)
    assert pc.change_quantity(NCE_CUSTOMER, NCE_ID, 1) == NCE_REDUCED  # the re-read shows the change

    loopback.routes[f"GET {route}"] = sequence(
        answer("subscriptions/change-the-quantity-of-a-subscription.nce.json"),
        answer(BOM + b"{"),
    )
    with pytest.raises(ProviderBadResponseError) as failed:
        pc.change_quantity(NCE_CUSTOMER, NCE_ID, 2)
    assert failed.value.message.startswith(
        f"the answer to GET {route} (MS-RequestId {REQUEST_ID}) is not readable JSON"
    )
    # each change sent one PATCH: the full subscription read just before it
    first, second = (sent_json(seen) for seen in loopback.requests_to("PATCH", route))
    assert first == {**data("subscriptions/get-a-subscription-by-id.nce.json"), "quantity": 1}
    assert second == {**data("subscriptions/change-the-quantity-of-a-subscription.nce.json"), "quantity": 2}


def test_an_empty_collection_lists_nothing_and_an_empty_object_is_refused(loopback: LocalServer) -> None:
    loopback.routes[f"GET /v1/customers/{NCE_CUSTOMER}/subscriptions"] = lambda seen: answer(in_collection())
    assert connector(loopback).list_subscriptions(NCE_CUSTOMER) == []
    loopback.routes[f"GET /v1/customers/{NCE_CUSTOMER}/subscriptions"] = lambda seen: answer(
        b"\xef\xbb\xbf{}"
    )
    with pytest.raises(ProviderBadResponseError) as refused:
        connector(loopback).list_subscriptions(NCE_CUSTOMER)
    assert "has no items list" in refused.value.message
