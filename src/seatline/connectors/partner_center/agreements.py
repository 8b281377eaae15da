# SPDX-License-Identifier: AGPL-3.0-or-later
"""Microsoft Customer Agreement: template lookup, confirming acceptance, reading it back."""

from __future__ import annotations

from urllib.parse import quote

from seatline.connectors.base import AgreementAcceptance, ProviderAgreement
from seatline.connectors.errors import ProviderConflictError, ProviderError
from seatline.connectors.partner_center.client import PartnerCenterClient
from seatline.connectors.partner_center.parsing import Fields, JsonObject, iso_instant

MCA = "MicrosoftCustomerAgreement"
DOCUMENTED_MCA_TEMPLATE_ID = "117a77b0-9360-443b-8795-c6dedc750cf9"
AGREEMENT_ALREADY_EXISTS = 600061


def current_template_id(client: PartnerCenterClient, agreement_type: str = MCA) -> str:
    """The newest template id for the agreement type (highest `versionRank`)."""
    body = client.get_object("/v1/agreements", params={"agreementType": agreement_type})
    items = [item for item in body.children("items") if item.text("templateId")]
    if not items:
        raise ProviderError(f"Partner Center returned no {agreement_type} template")
    items.sort(key=lambda item: item.integer("versionRank"))
    return items[-1].text("templateId")


def parse_agreement(customer_id: str, data: object) -> ProviderAgreement:
    body = data if isinstance(data, Fields) else Fields(data)
    contact = body.child("primaryContact")
    return ProviderAgreement(
        customer_id=customer_id,
        agreement_type=body.text("type"),
        template_id=body.text("templateId"),
        date_agreed=body.instant("dateAgreed"),
        first_name=contact.text("firstName"),
        last_name=contact.text("lastName"),
        email=contact.text("email"),
        phone=contact.text("phoneNumber"),
        agreement_link=body.text("agreementLink"),
        user_id=body.text("userId"),
    )


def list_agreements(
    client: PartnerCenterClient, customer_id: str, agreement_type: str = MCA
) -> list[ProviderAgreement]:
    body = client.get_object(
        f"/v1/customers/{quote(customer_id, safe='')}/agreements", params={"agreementType": agreement_type}
    )
    return [parse_agreement(customer_id, item) for item in body.children("items")]


def accept(
    client: PartnerCenterClient, customer_id: str, acceptance: AgreementAcceptance
) -> ProviderAgreement:
    """Confirm the customer's acceptance (needs an App+User token at Microsoft).

    Idempotent: if Partner Center answers 600061 (an identical acceptance exists), the existing
    record is returned instead of an error, so a retried provisioning job succeeds.
    """
    template_id = acceptance.template_id or current_template_id(client, acceptance.agreement_type)
    contact: JsonObject = {
        "firstName": acceptance.first_name,
        "lastName": acceptance.last_name,
        "email": acceptance.email,
    }
    if acceptance.phone:
        contact["phoneNumber"] = acceptance.phone
    body = {
        "primaryContact": contact,
        "templateId": template_id,
        "dateAgreed": iso_instant(acceptance.date_agreed),
        "type": acceptance.agreement_type,
    }
    try:
        # Safe to retry: a duplicate is answered 600061 and resolved below.
        response = client.request(
            "POST", f"/v1/customers/{quote(customer_id, safe='')}/agreements", json=body, idempotent=True
        )
    except ProviderConflictError as exc:
        if exc.provider_code != AGREEMENT_ALREADY_EXISTS:
            raise
        for existing in list_agreements(client, customer_id, acceptance.agreement_type):
            if existing.template_id == template_id and existing.email.lower() == acceptance.email.lower():
                return existing
        raise
    answer = response.fields()
    answer.require_text("templateId")
    return parse_agreement(customer_id, answer)
