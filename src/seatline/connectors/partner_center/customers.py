# SPDX-License-Identifier: AGPL-3.0-or-later
"""Partner Center customers: create, get, list (continuation paging), domain availability."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from seatline.connectors.base import AdminCredentials, CustomerRequest, ProviderCustomer
from seatline.connectors.errors import ProviderNotFoundError
from seatline.connectors.partner_center.client import PartnerCenterClient
from seatline.connectors.partner_center.parsing import JsonObject, obj, text


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


def parse_customer(data: Any) -> ProviderCustomer:
    body = obj(data)
    company = obj(body.get("companyProfile"))
    billing = obj(body.get("billingProfile"))
    credentials = obj(body.get("userCredentials"))
    initial = None
    if credentials.get("userName"):
        initial = AdminCredentials(text(credentials.get("userName")), text(credentials.get("password")))
    return ProviderCustomer(
        id=text(body.get("id") or company.get("tenantId")),
        company_name=text(company.get("companyName") or billing.get("companyName")),
        domain=text(company.get("domain")),
        tenant_id=text(company.get("tenantId") or body.get("id")),
        commerce_id=text(body.get("commerceId")),
        relationship=text(body.get("relationshipToPartner")),
        email=text(billing.get("email")),
        country=text(obj(billing.get("defaultAddress")).get("country")),
        initial_credentials=initial,
    )


def create_customer(client: PartnerCenterClient, request: CustomerRequest) -> ProviderCustomer:
    # Partner Center de-duplicates creates on MS-RequestId, so a retried POST is safe.
    response = client.request("POST", "/v1/customers", json=customer_body(request), idempotent=True)
    return parse_customer(response.data)


def get_customer(client: PartnerCenterClient, customer_id: str) -> ProviderCustomer:
    return parse_customer(client.get(f"/v1/customers/{quote(customer_id, safe='')}"))


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
