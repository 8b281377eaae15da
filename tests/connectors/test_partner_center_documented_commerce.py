# SPDX-License-Identifier: AGPL-3.0-or-later
"""Customers, agreements, catalog, carts and orders: Microsoft's documented answers over loopback.

Each documented answer is served as published and BOM-prefixed (`bom` parameter); every field the
connector reads is asserted.
"""

from __future__ import annotations

import datetime as dt

import pytest

from seatline.connectors.base import (
    AdminCredentials,
    AgreementAcceptance,
    Offer,
    OfferTerm,
    OrderLine,
    PendingOrderLine,
    ProviderAgreement,
    ProviderCustomer,
)
from seatline.connectors.errors import ProviderBadResponseError
from tests.connectors.documented import answer, connector, data, in_collection, sent_json
from tests.connectors.local_server import LocalServer
from tests.connectors.simulator import customer_request

UTC = dt.UTC
BOMS = pytest.mark.parametrize("bom", [False, True], ids=["plain", "bom"])
MCA = "117a77b0-9360-443b-8795-c6dedc750cf9"


@BOMS
def test_documented_customers(loopback: LocalServer, bom: bool) -> None:
    loopback.routes["POST /v1/customers"] = lambda seen: answer(
        "customers/create-a-customer.json", 201, bom=bom
    )
    customer_id = "eebd1b55-5360-4438-a11d-5c06918c3014"
    loopback.routes[f"GET /v1/customers/{customer_id}"] = lambda seen: answer(
        "customers/get-a-customer-by-id.json", bom=bom
    )
    loopback.routes["GET /v1/customers"] = lambda seen: answer(
        "customers/get-a-list-of-customers.json", bom=bom
    )
    pc = connector(loopback)

    assert pc.create_customer(customer_request("Test Company")) == ProviderCustomer(
        id="dfd8cc0a-c592-468c-8461-869a38d24738",
        company_name="test company",  # the documented answer names it in the billing profile only
        domain="xyz.ccsctp.net",
        tenant_id="dfd8cc0a-c592-468c-8461-869a38d24738",
        commerce_id="0a4ce58a-6f96-4273-8035-d9c7d31b9ba4",
        relationship="none",
        email="test@outlook.com",
        country="US",
        initial_credentials=AdminCredentials("admin", "=;;n.=s9Z"),
    )
    assert pc.find_customer(customer_id=customer_id) == ProviderCustomer(
        id=customer_id,
        company_name="1kl as kjk",
        domain="abcdefgh1234.ccsctp.net",
        tenant_id=customer_id,
        commerce_id="99e6a635-48e7-424d-9059-c9db944e3c54",
        relationship="reseller",
        email="a@a.com",
        country="US",
    )
    assert list(pc.list_customers()) == [
        ProviderCustomer(
            id=customer,
            company_name="companyName",
            domain="domain",
            tenant_id="<guid>",
            relationship="reseller",
        )
        for customer in ("b44bb1fb-c595-45b0-9e09-d657365580bf", "45c44870-ef77-4fdd-b6fe-3dacb075cff2")
    ]
    # a customer answer about another tenant is refused
    loopback.routes["GET /v1/customers/b44bb1fb-c595-45b0-9e09-d657365580bf"] = lambda seen: answer(
        "customers/get-a-customer-by-id.json", bom=bom
    )
    with pytest.raises(ProviderBadResponseError) as foreign:
        pc.find_customer(customer_id="b44bb1fb-c595-45b0-9e09-d657365580bf")
    assert "is about customer 'eebd1b55-5360-4438-a11d-5c06918c3014'" in foreign.value.message


@BOMS
def test_documented_agreements(loopback: LocalServer, bom: bool) -> None:
    customer_id = "4a2d7bd0-4d1a-4b4c-9e2a-2bb3e8c0d001"
    agreements = f"/v1/customers/{customer_id}/agreements"
    loopback.routes["GET /v1/agreements"] = lambda seen: answer(
        "agreements/get-customer-agreement-metadata.json", bom=bom
    )
    loopback.routes[f"POST {agreements}"] = lambda seen: answer(
        "agreements/confirm-customer-consent-customer-agreement.json", 201, bom=bom
    )
    loopback.routes[f"GET {agreements}"] = lambda seen: answer(
        "agreements/get-confirmation-of-customer-agreement.json", bom=bom
    )
    pc = connector(loopback)
    acceptance = AgreementAcceptance(
        first_name="Tania",
        last_name="Carr",
        email="SomeEmail@example.com",
        date_agreed=dt.datetime(2019, 8, 26, tzinfo=UTC),
        phone="1234567890",
    )
    assert pc.accept_customer_agreement(customer_id, acceptance) == ProviderAgreement(
        customer_id=customer_id,
        agreement_type="MicrosoftCustomerAgreement",
        template_id=MCA,
        date_agreed=dt.datetime(2018, 6, 14, tzinfo=UTC),
        first_name="Tania",
        last_name="Carr",
        email="someone@example.com",
        phone="1234567890",
        user_id="3d6f2c09-eb40-48ca-a4b3-d24c9c007531",
    )
    assert loopback.requests_to("GET", "/v1/agreements")[0].query == {
        "agreementType": ["MicrosoftCustomerAgreement"]
    }
    assert sent_json(loopback.requests_to("POST", agreements)[0])["templateId"] == MCA
    listed = [
        ProviderAgreement(
            customer_id=customer_id,
            agreement_type="MicrosoftCustomerAgreement",
            template_id=MCA,
            date_agreed=dt.datetime(2019, 8, day, tzinfo=UTC),
            first_name="Tania",
            last_name="Carr",
            email="SomeEmail@example.com",
            phone="1234567890",
            agreement_link="https://aka.ms/customeragreement",
        )
        for day in (26, 27)
    ]
    assert pc.list_customer_agreements(customer_id) == listed

    # the documented 600061 (an identical acceptance exists): the existing record is returned
    loopback.routes[f"POST {agreements}"] = lambda seen: answer(
        "agreements/confirm-customer-consent-customer-agreement.600061.json", 400, bom=bom
    )
    assert pc.accept_customer_agreement(customer_id, acceptance) == listed[0]


@BOMS
def test_documented_catalog(loopback: LocalServer, bom: bool) -> None:
    loopback.routes["GET /v1/products"] = lambda seen: answer(
        "catalog/get-a-list-of-products.nce.json", bom=bom
    )
    loopback.routes["GET /v1/products/CFQ7TTC0LH18/skus"] = lambda seen: answer(
        in_collection(data("catalog/get-a-sku-by-id.nce.json")), bom=bom
    )
    loopback.routes["GET /v1/products/CFQ7TTC0LH18/skus/0001/availabilities"] = lambda seen: answer(
        in_collection(data("catalog/get-an-availability-by-id.nce.json")), bom=bom
    )
    assert connector(loopback).list_offers("US") == [
        Offer(
            id="CFQ7TTC0LH18:0001:CFQ7TTC0K971",
            product_id="CFQ7TTC0LH18",
            sku_id="0001",
            availability_id="CFQ7TTC0K971",
            title="Microsoft 365 Business Basic",
            sku_title="Microsoft 365 Business Basic",
            description=data("catalog/get-a-sku-by-id.nce.json")["description"],
            min_quantity=1,
            max_quantity=300,
            currency="USD",
            segment="commercial",
            country="US",
            is_purchasable=True,
            is_trial=False,
            terms=(OfferTerm("P1Y", "annual", "One-Year commitment for monthly/yearly billing"),),
        )
    ]
    assert loopback.requests_to("GET", "/v1/products")[0].query == {
        "country": ["US"],
        "targetView": ["OnlineServices"],
    }


@BOMS
def test_documented_cart_and_checkout_of_a_new_commerce_subscription(
    loopback: LocalServer, bom: bool
) -> None:
    customer_id = "94cd6638-11b6-4323-8c9f-6ae3088adc59"
    cart_id = "2517c51b-58cd-4abe-87ed-3ab812401ab4"
    subscription_id = "0c353b8e-da9d-4007-d0d4-bca8bd5b5ce1"
    order = data("orders/checkout-a-cart.nce-order.json")
    loopback.routes[f"POST /v1/customers/{customer_id}/carts"] = lambda seen: answer(
        "orders/create-a-cart.nce.json", 201, bom=bom
    )
    loopback.routes[f"POST /v1/customers/{customer_id}/carts/{cart_id}/checkout"] = lambda seen: answer(
        {"orders": [order]},
        201,
        bom=bom,  # the documented Order, in the CartCheckoutResult it belongs to
    )
    # test-made: the documented NCE subscription given the id and quantity the order line names
    subscription = {
        **data("subscriptions/change-the-quantity-of-a-subscription.nce.json"),
        "id": subscription_id,
        "offerId": "CFQ7TTC0LF8S:0001:CFQ7TTC0N81H",
    }
    loopback.routes[f"GET /v1/customers/{customer_id}/subscriptions/{subscription_id}"] = lambda seen: answer(
        subscription, bom=bom
    )
    line = OrderLine("CFQ7TTC0LF8S:0001:CFQ7TTC0N81H", 1, "P1M", "monthly")
    result = connector(loopback).order_subscriptions(customer_id, [line])
    assert result.order_ids == ("a68736758d9c",)
    assert result.pending == ()
    ((bought),) = result.subscriptions
    assert (bought.id, bought.offer_id, bought.quantity, bought.term_duration) == (
        subscription_id,
        "CFQ7TTC0LF8S:0001:CFQ7TTC0N81H",
        1,
        "P1Y",
    )
    (cart_request,) = loopback.requests_to("POST", f"/v1/customers/{customer_id}/carts")
    assert sent_json(cart_request) == {
        "lineItems": [
            {
                "id": 0,
                "catalogItemId": "CFQ7TTC0LF8S:0001:CFQ7TTC0N81H",
                "quantity": 1,
                "termDuration": "P1M",
                "billingCycle": "monthly",
            }
        ]
    }


@BOMS
def test_documented_checkout_with_pending_orders(loopback: LocalServer, bom: bool) -> None:
    """The documented software/reservations checkout (shown with its BOM, `?{`): provisioned and pending lines."""
    customer_id = "28045616-f6b9-462f-9701-0d89b5e65c44"
    cart_id = "3655b1a0-b1c9-4268-9824-577fdbc4d0be"
    loopback.routes[f"POST /v1/customers/{customer_id}/carts"] = lambda seen: answer(
        "orders/create-a-cart.json", 201, bom=bom
    )
    loopback.routes[f"POST /v1/customers/{customer_id}/carts/{cart_id}/checkout"] = lambda seen: answer(
        "orders/checkout-a-cart.software.json", 201, bom=True
    )
    # test-made: the documented Azure subscription given the id the first order's line names
    azure = {
        **data("subscriptions/get-a-subscription-by-id.azure.json"),
        "id": "EF2E1307-86E6-40E3-A794-872403FBD31C",
    }
    loopback.routes[f"GET /v1/customers/{customer_id}/subscriptions/EF2E1307-86E6-40E3-A794-872403FBD31C"] = (
        lambda seen: answer(azure, bom=bom)
    )
    loopback.routes[f"GET /v1/customers/{customer_id}/subscriptions"] = lambda seen: answer(
        "subscriptions/get-a-list-of-subscriptions-by-order.json", bom=bom
    )
    lines = [OrderLine("MS-AZR-0145P", 1, "P1Y", "monthly")]
    result = connector(loopback).order_subscriptions(customer_id, lines)
    assert result.order_ids == (
        "3c6f2530-1e31-4088-8230-dd1c31a18bce",
        "311qiN8iFwkv-XARWMvXRYAwYKMACVqv1",
        "HVu_cO8Ea7fNRQP4ia1QTpZap-kg_7P71",
    )
    assert [(s.id, s.offer_id, s.quantity) for s in result.subscriptions] == [
        ("EF2E1307-86E6-40E3-A794-872403FBD31C", "MS-AZR-0145P", 1)
    ]
    # lines without subscriptionId, and no subscription of the order matching them yet: pending
    assert result.pending == (
        PendingOrderLine("311qiN8iFwkv-XARWMvXRYAwYKMACVqv1", 0, "DZH318Z0BQ36:004G:DZH318Z08C0S", 1),
        PendingOrderLine("311qiN8iFwkv-XARWMvXRYAwYKMACVqv1", 1, "DZH318Z0BQ36:004J:DZH318Z08B8X", 1),
        PendingOrderLine("311qiN8iFwkv-XARWMvXRYAwYKMACVqv1", 2, "DG7GMGF0DWM3:0002:DG7GMGF0DT1M", 1),
        PendingOrderLine("HVu_cO8Ea7fNRQP4ia1QTpZap-kg_7P71", 0, "DZH318Z0BXWC:0002:DZH318Z0BMRV", 1),
    )
    assert [
        seen.query for seen in loopback.requests_to("GET", f"/v1/customers/{customer_id}/subscriptions")
    ] == [
        {"order_id": ["311qiN8iFwkv-XARWMvXRYAwYKMACVqv1"]},
        {"order_id": ["HVu_cO8Ea7fNRQP4ia1QTpZap-kg_7P71"]},
    ]


@BOMS
def test_documented_order_by_id(loopback: LocalServer, bom: bool) -> None:
    customer_id = "b0d70a69-4c42-4b27-b17b-91a835d8686a"
    order_id = "YxH1q4KScfvfkJQjgRI8QY1DznnUWZTH1"
    loopback.routes[f"GET /v1/customers/{customer_id}/orders/{order_id}"] = lambda seen: answer(
        "orders/get-an-order-by-id.json", bom=bom
    )
    order = connector(loopback).orders.get_order(customer_id, order_id)
    assert (order.text("id"), order.text("status")) == (order_id, "completed")
    ((line),) = list(order.children("lineItems"))
    assert (
        line.integer("lineItemNumber"),
        line.text("offerId"),
        line.integer("quantity"),
        line.text("subscriptionId"),
    ) == (
        0,
        "DZH318Z0BQ4Z:002L:DZH318Z0CMNP",
        1,
        "",
    )
