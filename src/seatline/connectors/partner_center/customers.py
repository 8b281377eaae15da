# SPDX-License-Identifier: AGPL-3.0-or-later
"""Partner Center customers: create, get, list (continuation paging), domain availability."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

from seatline.connectors.base import AdminCredentials, CustomerRequest, ProviderCustomer
from seatline.connectors.errors import ProviderNotFoundError
from seatline.connectors.partner_center.client import PartnerCenterClient
from seatline.connectors.partner_center.parsing import Fields, JsonObject


def customer_body(request: CustomerRequest) -> JsonObject:
    address = request.address
    default_address: JsonObject = {
        "firstName": address.first_name,
        "lastName": address.last_name,
        "addressLine1": address.line1,
        "city": address.city,
        "postalCode": address.postal_code,
        "country": address.country.upper(),
    }
    for key, value in (
        ("addressLine2", address.line2),
        ("state", address.state),
        ("region", address.region),
        ("phoneNumber", address.phone),
    ):
        if value:
            default_address[key] = value
    company: JsonObject = {"domain": request.domain}
    if request.organization_registration_number:
        company["organizationRegistrationNumber"] = request.organization_registration_number
    body: JsonObject = {
        "enableGDAPByDefault": False,
        "companyProfile": company,
        "billingProfile": {
            "culture": request.culture,
            "email": request.email,
            "language": request.language,
            "companyName": request.company_name,
            "defaultAddress": default_address,
        },
    }
    if request.associated_partner_id:
        body["associatedPartnerId"] = request.associated_partner_id
    return body


def parse_customer(data: object) -> ProviderCustomer:
    body = data if isinstance(data, Fields) else Fields(data)
    company = body.child("companyProfile")
    billing = body.child("billingProfile")
    credentials = body.child("userCredentials")
    initial = None
    if credentials.text("userName"):
        initial = AdminCredentials(credentials.text("userName"), credentials.text("password"))
    return ProviderCustomer(
        id=body.text("id") or company.text("tenantId"),
        company_name=company.text("companyName") or billing.text("companyName"),
        domain=company.text("domain"),
        tenant_id=company.text("tenantId") or body.text("id"),
        commerce_id=body.text("commerceId"),
        relationship=body.text("relationshipToPartner"),
        email=billing.text("email"),
        country=billing.child("defaultAddress").text("country"),
        initial_credentials=initial,
    )


def _checked_customer(body: Fields, *, customer_id: str | None = None) -> ProviderCustomer:
    """A customer answer must name its tenant (the one asked about, when one was)."""
    customer = parse_customer(body)
    if not customer.id:
        raise body.bad("lacks id (and companyProfile.tenantId)")
    if customer_id is not None and customer.id.lower() != customer_id.lower():
        raise body.bad(f"is about customer {customer.id!r}, not the {customer_id!r} asked for")
    return customer


def create_customer(client: PartnerCenterClient, request: CustomerRequest) -> ProviderCustomer:
    # Partner Center de-duplicates creates on MS-RequestId, so a retried POST is safe.
    response = client.request("POST", "/v1/customers", json=customer_body(request), idempotent=True)
    return _checked_customer(response.fields())


def get_customer(client: PartnerCenterClient, customer_id: str) -> ProviderCustomer:
    body = client.get_object(f"/v1/customers/{quote(customer_id, safe='')}")
    return _checked_customer(body, customer_id=customer_id)


def find_customer(
    client: PartnerCenterClient, *, domain: str | None, customer_id: str | None, page_size: int = 500
) -> ProviderCustomer | None:
    """By id (`GET`), or by domain (walks the customer list: Partner Center has no exact domain filter)."""
    if customer_id:
        try:
            return get_customer(client, customer_id)
        except ProviderNotFoundError:
            return None
    if domain:
        wanted = domain.strip().lower()
        for customer in list_customers(client, page_size=page_size):
            if customer.domain.lower() == wanted:
                return customer
        return None
    raise ValueError("pass domain or customer_id")


def list_customers(client: PartnerCenterClient, *, page_size: int) -> Iterator[ProviderCustomer]:
    for item in client.iter_items("/v1/customers", params={"size": page_size}):
        yield parse_customer(item)


def domain_available(client: PartnerCenterClient, domain: str) -> bool:
    """`HEAD /v1/domains/{domain}`: 200 = taken, 404 = available."""
    response = client.request("HEAD", f"/v1/domains/{quote(domain.strip(), safe='')}", allow_statuses=(404,))
    return response.status == 404
