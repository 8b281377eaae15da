# SPDX-License-Identifier: AGPL-3.0-or-later
"""Domains, customers and Microsoft Customer Agreement acceptance (6.2 rows 1-5)."""

from __future__ import annotations

import copy
import re
import secrets
from typing import Any

from seatline.simulators.partner_center import paging
from seatline.simulators.partner_center.clock import fmt_instant, parse_instant
from seatline.simulators.partner_center.errors import ApiError, bad_request, not_found
from seatline.simulators.partner_center.state import SimState, new_etag, new_id
from seatline.simulators.partner_center.web import Request, Response, collection, route

MCA_TEMPLATE_ID = "117a77b0-9360-443b-8795-c6dedc750cf9"
MCA_LINK = "https://aka.ms/customeragreement"
MCLOUD_TEMPLATE_ID = "0c20d1ab-0b6d-4e5a-a1a1-c8a4b2f1c0de"
TEMPLATES = {
    "MicrosoftCustomerAgreement": {
        "templateId": MCA_TEMPLATE_ID,
        "agreementLink": MCA_LINK,
        "versionRank": 0,
    },
    "MicrosoftCloudAgreement": {
        "templateId": MCLOUD_TEMPLATE_ID,
        "agreementLink": "https://aka.ms/microsoftcloudagreement",
        "versionRank": 0,
    },
}
_DOMAIN_PREFIX = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PARTNER_USER_ID = "4f3e9c2a-7b1d-4e8f-9a6c-2d5b8e1f0a3c"


def normalise_domain(value: Any) -> str | None:
    """`acme` or `acme.onmicrosoft.com` -> `acme.onmicrosoft.com`; None when not valid."""
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    prefix = text.removesuffix(".onmicrosoft.com")
    return f"{prefix}.onmicrosoft.com" if _DOMAIN_PREFIX.match(prefix) else None


def customer_or_404(state: SimState, customer_id: str) -> dict[str, Any]:
    for key, customer in state.data["customers"].items():
        if key.lower() == customer_id.lower():
            return customer
    raise not_found(f"Tenant {customer_id} not found.", 60003, "TenantNotFound")


def _domain_taken(state: SimState, domain: str) -> bool:
    return any(c["companyProfile"]["domain"] == domain for c in state.data["customers"].values())


@route("HEAD", "/v1/domains/{domain}")
def domain_exists(request: Request, domain: str) -> Response:
    full = normalise_domain(domain)
    return Response(200 if full and _domain_taken(request.state, full) else 404)


def _require_text(container: Any, name: str, where: str, max_length: int = 200) -> str:
    value = container.get(name) if isinstance(container, dict) else None
    if not isinstance(value, str) or not value.strip() or len(value) > max_length:
        raise bad_request(f"{where}.{name} is required (1-{max_length} characters).")
    return value.strip()


def _validate_customer(state: SimState, body: Any) -> tuple[str, dict[str, Any], dict[str, Any]]:
    if not isinstance(body, dict):
        raise bad_request("The request body must be a Customer object.")
    billing = body.get("billingProfile")
    company = body.get("companyProfile")
    if not isinstance(billing, dict) or not isinstance(company, dict):
        raise bad_request("billingProfile and companyProfile are required.")
    email = _require_text(billing, "email", "billingProfile")
    if not _EMAIL.match(email):
        raise bad_request("billingProfile.email isn't a valid e-mail address.")
    _require_text(billing, "culture", "billingProfile", 10)
    language = _require_text(billing, "language", "billingProfile", 2)
    if not re.fullmatch(r"[A-Za-z]{2}", language):
        raise bad_request("billingProfile.language must be a two-letter language code.")
    _require_text(billing, "companyName", "billingProfile")
    address = billing.get("defaultAddress")
    if not isinstance(address, dict):
        raise bad_request("billingProfile.defaultAddress is required.")
    for name in ("addressLine1", "city", "postalCode"):
        _require_text(address, name, "billingProfile.defaultAddress")
    for name in ("firstName", "lastName"):
        if name in address:
            _require_text(address, name, "billingProfile.defaultAddress", 50)
    country = address.get("country")
    if not isinstance(country, str) or not re.fullmatch(r"[A-Za-z]{2}", country):
        raise bad_request("billingProfile.defaultAddress.country must be a two-letter ISO country code.")
    if len(address.get("state") or "") > 2 and country.upper() == "US":
        raise bad_request("billingProfile.defaultAddress.state must be at most 2 characters.")
    domain = normalise_domain(company.get("domain"))
    if domain is None:
        raise bad_request("companyProfile.domain must be a valid <prefix>.onmicrosoft.com domain.")
    if _domain_taken(state, domain):
        raise bad_request(f"The domain {domain} is already in use.", 800002, "DomainAlreadyExists")
    return domain, billing, company


def _public(customer: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in customer.items() if key != "userCredentials"}


@route("POST", "/v1/customers")
def create_customer(request: Request) -> Response:
    state = request.state
    request_id = request.header("MS-RequestId")
    if request_id and request_id in state.data["replays"]:
        return Response(201, copy.deepcopy(state.data["replays"][request_id]))
    body = request.json()
    domain, billing, company = _validate_customer(state, body)
    tenant_id = new_id()
    address = dict(billing["defaultAddress"])
    address["country"] = address["country"].upper()
    company_name = billing["companyName"].strip()
    customer = {
        "id": tenant_id,
        "commerceId": new_id(),
        "enableGDAPByDefault": bool(body.get("enableGDAPByDefault", False)),
        "companyProfile": {
            "tenantId": tenant_id,
            "domain": domain,
            "companyName": company.get("companyName") or company_name,
            "organizationRegistrationNumber": company.get("organizationRegistrationNumber"),
            "attributes": {"objectType": "CustomerCompanyProfile"},
        },
        "billingProfile": {
            "id": new_id(),
            "firstName": address.get("firstName", ""),
            "lastName": address.get("lastName", ""),
            "email": billing["email"].strip(),
            "culture": billing["culture"],
            "language": billing["language"].lower(),
            "companyName": company_name,
            "defaultAddress": address,
            "attributes": {"etag": new_etag(), "objectType": "CustomerBillingProfile"},
        },
        "relationshipToPartner": "reseller",
        "allowDelegatedAccess": True,
        "customDomains": [],
        "associatedPartnerId": body.get("associatedPartnerId") or None,
        "links": {"self": {"uri": f"/customers/{tenant_id}", "method": "GET", "headers": []}},
        "attributes": {"objectType": "Customer"},
    }
    state.data["customers"][tenant_id] = customer
    response = dict(customer, userCredentials={"userName": "admin", "password": secrets.token_urlsafe(12)})
    if request_id:
        state.data["replays"][request_id] = response
    return Response(201, copy.deepcopy(response))


@route("GET", "/v1/customers")
def list_customers(request: Request) -> Response:
    items = [_public(c) for c in request.state.data["customers"].values()]
    return Response(200, paging.page(request, items, key="customers", next_uri="/customers"))


@route("GET", "/v1/customers/{customer_id}")
def get_customer(request: Request, customer_id: str) -> Response:
    return Response(200, _public(customer_or_404(request.state, customer_id)))


@route("GET", "/v1/customers/{customer_id}/profiles/billing")
def get_billing_profile(request: Request, customer_id: str) -> Response:
    return Response(200, customer_or_404(request.state, customer_id)["billingProfile"])


@route("GET", "/v1/customers/{customer_id}/profiles/company")
def get_company_profile(request: Request, customer_id: str) -> Response:
    return Response(200, customer_or_404(request.state, customer_id)["companyProfile"])


# -- agreements --------------------------------------------------------------------------------


@route("GET", "/v1/agreements")
def agreement_metadata(request: Request) -> Response:
    wanted = request.param("agreementType")
    items = [
        {"agreementType": kind, **template, "attributes": {"objectType": "AgreementMetaData"}}
        for kind, template in TEMPLATES.items()
        if wanted in (None, kind, "All")
    ]
    return Response(200, collection(items))


def has_mca(state: SimState, customer_id: str) -> bool:
    return any(
        a["type"] == "MicrosoftCustomerAgreement" for a in state.data["agreements"].get(customer_id, [])
    )


@route("POST", "/v1/customers/{customer_id}/agreements")
def confirm_agreement(request: Request, customer_id: str) -> Response:
    state = request.state
    customer = customer_or_404(state, customer_id)
    body = request.json()
    if not isinstance(body, dict):
        raise bad_request("The request body must be an Agreement object.")
    contact = body.get("primaryContact")
    if not isinstance(contact, dict):
        raise bad_request("primaryContact is required.")
    for name in ("firstName", "lastName", "email"):
        _require_text(contact, name, "primaryContact", 100)
    if not _EMAIL.match(contact["email"].strip()):
        raise bad_request("primaryContact.email isn't a valid e-mail address.")
    kind = body.get("type")
    if kind not in TEMPLATES:
        raise bad_request("type must be MicrosoftCustomerAgreement or MicrosoftCloudAgreement.")
    if body.get("templateId") != TEMPLATES[kind]["templateId"]:
        raise bad_request(f"templateId isn't the current {kind} template.")
    try:
        date_agreed = parse_instant(body.get("dateAgreed"))
    except (TypeError, ValueError) as exc:
        raise bad_request("dateAgreed must be a UTC date-time.") from exc
    fields = ("firstName", "lastName", "email", "phoneNumber")
    wanted = tuple(str(contact.get(name) or "").strip().lower() for name in fields)
    records = state.data["agreements"].setdefault(customer["id"], [])
    for record in records:
        have = tuple(str(record["primaryContact"].get(name) or "").strip().lower() for name in fields)
        if record["type"] == kind and have == wanted:
            raise ApiError(
                400,
                600061,
                "A partner confirmed agreement already exists with the same primary contact.",
                "PartnerConfirmedAgreementAlreadyExists",
            )
    agreement = {
        "primaryContact": {name: contact[name] for name in fields if contact.get(name)},
        "templateId": body["templateId"],
        "dateAgreed": fmt_instant(date_agreed),
        "type": kind,
        "agreementLink": TEMPLATES[kind]["agreementLink"],
        "userId": _PARTNER_USER_ID,
        "attributes": {"objectType": "Agreement"},
    }
    records.append(agreement)
    return Response(201, copy.deepcopy(agreement))


@route("GET", "/v1/customers/{customer_id}/agreements")
def list_agreements(request: Request, customer_id: str) -> Response:
    customer = customer_or_404(request.state, customer_id)
    wanted = request.param("agreementType")
    items = [
        a
        for a in request.state.data["agreements"].get(customer["id"], [])
        if wanted in (None, "All", a["type"])
    ]
    return Response(200, collection(copy.deepcopy(items)))
