# SPDX-License-Identifier: AGPL-3.0-or-later
"""Customer onboarding at a provider, agreements, and provider-account sync (reference 7.1, 1.6, 1.14).

Provider calls happen first, outside any transaction; the Seatline rows and their audit records are
then written in one transaction. A refusal (SeatlineError, ProviderError) changes nothing in Seatline.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db import transaction

from seatline import clock
from seatline.audit.services import record
from seatline.connectors.base import Address, AgreementAcceptance, CustomerRequest, ProviderCustomer
from seatline.customers.models import Account, Contact
from seatline.errors import SeatlineError
from seatline.providers.models import Agreement, AgreementTemplate, Provider, ProviderAccount
from seatline.providers.services import connected

INITIAL_DOMAIN_SUFFIX = ".onmicrosoft.com"
_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def tenant_domain(domain: str) -> str:
    """ "acme" or "acme.onmicrosoft.com" -> "acme.onmicrosoft.com"; `invalid_domain` otherwise."""
    text = (domain or "").strip().lower()
    prefix = text.removesuffix(INITIAL_DOMAIN_SUFFIX)
    if not _LABEL.match(prefix):
        raise SeatlineError(
            "invalid_domain",
            f"{domain!r} is not a valid initial domain: use letters and digits, e.g. contoso or "
            "contoso.onmicrosoft.com",
            field="domain",
        )
    return prefix + INITIAL_DOMAIN_SUFFIX


def _automatic(provider: Provider) -> Provider:
    if provider.type != Provider.Type.AUTOMATIC:
        raise SeatlineError(
            "provider_not_automatic",
            f"{provider} is a {provider.get_type_display()} provider: customers are created in its portal",
            field="provider",
        )
    if not provider.active:
        raise SeatlineError("provider_inactive", f"{provider} is not active", field="provider")
    return provider


def check_domain(provider: Provider, domain: str) -> bool:
    """True when the initial domain is still free at the provider."""
    name = tenant_domain(domain)
    with connected(_automatic(provider)) as connector:
        if not connector.capabilities.supports_domain_check:
            raise SeatlineError("provider_unsupported", f"{provider} cannot check domains", field="provider")
        return connector.domain_available(name)


def onboard_customer(
    *, account: Account, provider: Provider, domain: str, contact: Contact
) -> ProviderAccount:
    """Create the customer's tenant at the provider and the ProviderAccount mapped to `account`.

    The returned row carries `initial_credentials` (the tenant's first admin, given once by the
    provider; never stored or logged).
    """
    _automatic(provider)
    name = tenant_domain(domain)
    if contact.account_id != account.pk:
        raise SeatlineError(
            "contact_not_of_account", f"{contact} is not a contact of {account}", field="contact"
        )
    missing = [
        label
        for label, value in (
            ("address line 1", account.address_line1),
            ("city", account.city),
            ("postal code", account.postal_code),
        )
        if not value
    ]
    if missing or len(account.country or "") != 2:
        detail = ", ".join(missing) if missing else "a two-letter country"
        raise SeatlineError(
            "invalid_address", f"{account} needs {detail} to be created at {provider}", field="account"
        )
    request = CustomerRequest(
        company_name=account.name,
        domain=name,
        email=contact.email,
        address=Address(
            first_name=contact.first_name,
            last_name=contact.last_name,
            line1=account.address_line1,
            line2=account.address_line2,
            city=account.city,
            state=account.region if len(account.region or "") <= 2 else "",
            postal_code=account.postal_code,
            country=account.country.upper(),
            phone=contact.phone,
        ),
    )
    with connected(provider) as connector:
        if connector.capabilities.supports_domain_check and not connector.domain_available(name):
            raise SeatlineError("domain_taken", f"{name} is already taken at {provider}", field="domain")
        customer = connector.create_customer(request)
    with transaction.atomic():
        mapping = ProviderAccount.objects.create(
            provider=provider,
            account=account,
            provider_customer_id=customer.id,
            name_at_provider=customer.company_name or account.name,
            domain=customer.domain or name,
            last_synced_at=clock.now(),
        )
        record(
            account,
            "customer_onboarded",
            message=f"tenant {mapping.domain} created at {provider} (customer id {customer.id})",
        )
    mapping.initial_credentials = customer.initial_credentials  # type: ignore[attr-defined]
    return mapping


def _split_name(full_name: str) -> tuple[str, str]:
    parts = full_name.split()
    if len(parts) < 2:
        raise SeatlineError("invalid_name", "give the signer's first and last name", field="signed_by_name")
    return " ".join(parts[:-1]), parts[-1]


def accept_agreement(
    *,
    account: Account,
    template: AgreementTemplate,
    signed_by_name: str,
    signed_by_email: str,
    executed_on: dt.date,
    phone: str = "",
) -> Agreement:
    """Record the account's acceptance of `template` (Accepted); pushed to an automatic provider first.

    For an automatic provider that records agreements (Partner Center: the MCA), the account must be
    mapped at the provider; the provider's acceptance is confirmed before Seatline records it.
    """
    if not template.active:
        raise SeatlineError("agreement_template_inactive", f"{template} is not active", field="template")
    if not signed_by_email or "@" not in signed_by_email:
        raise SeatlineError("invalid_email", "give the signer's e-mail address", field="signed_by_email")
    first, last = _split_name(signed_by_name)
    if executed_on > clock.today():
        raise SeatlineError(
            "invalid_date", "an agreement cannot be executed in the future", field="executed_on"
        )
    reference = ""
    provider = template.provider
    if (
        provider is not None
        and provider.type == Provider.Type.AUTOMATIC
        and template.agreement_type == (AgreementTemplate.AgreementType.MCA)
    ):
        mapping = ProviderAccount.objects.filter(provider=provider, account=account).order_by("id").first()
        if mapping is None:
            raise SeatlineError(
                "provider_account_missing",
                f"{account} has no customer at {provider}: onboard or map it first",
                field="account",
            )
        instant = dt.datetime.combine(executed_on, dt.time(0, 0), tzinfo=dt.UTC)
        acceptance = AgreementAcceptance(
            first_name=first,
            last_name=last,
            email=signed_by_email,
            phone=phone,
            date_agreed=min(instant, clock.now()),
            template_id=template.template_id,
            agreement_type=template.agreement_type,
        )
        with connected(provider) as connector:
            if connector.capabilities.supports_agreements:
                confirmed = connector.accept_customer_agreement(mapping.provider_customer_id, acceptance)
                reference = (
                    f"{confirmed.agreement_type} {confirmed.template_id} for {mapping.provider_customer_id}"
                )
    with transaction.atomic():
        agreement = (
            Agreement.objects.select_for_update()
            .filter(account=account, template=template)
            .exclude(status=Agreement.Status.INACTIVE)
            .first()
        )
        before = agreement.status if agreement is not None else None
        if agreement is None:
            agreement = Agreement(account=account, template=template)
        agreement.status = Agreement.Status.ACCEPTED
        agreement.signed_by_name = signed_by_name.strip()
        agreement.signed_by_email = signed_by_email
        agreement.executed_on = executed_on
        agreement.provider_reference = reference[:200]
        agreement.save()
        record(
            agreement,
            "agreement_accepted",
            changes={"status": (before, Agreement.Status.ACCEPTED)},
            message=f"signed by {agreement.signed_by_name} <{signed_by_email}> on {executed_on.isoformat()}"
            + (f"; confirmed at {provider}" if reference else ""),
        )
    return agreement


def create_missing_agreements(template: AgreementTemplate) -> list[Agreement]:
    """Pending agreements for every mapped account of the template's provider that lacks one."""
    if template.provider is None:
        raise SeatlineError(
            "template_without_provider", f"{template} is not linked to a provider", field="template"
        )
    if not template.active:
        raise SeatlineError("agreement_template_inactive", f"{template} is not active", field="template")
    with transaction.atomic():
        created = _pending_agreements(template, account_ids=None)
        record(template, "agreements_created", message=f"{len(created)} pending agreement(s) created")
    return created


def _pending_agreements(template: AgreementTemplate, *, account_ids: set[int] | None) -> list[Agreement]:
    accounts = set(
        ProviderAccount.objects.filter(provider=template.provider, account__isnull=False).values_list(
            "account_id", flat=True
        )
    )
    if account_ids is not None:
        accounts &= account_ids
    covered = set(
        Agreement.objects.filter(template=template)
        .exclude(status=Agreement.Status.INACTIVE)
        .values_list("account_id", flat=True)
    )
    created = []
    for account_id in sorted(accounts - covered):
        agreement = Agreement.objects.create(account_id=account_id, template=template)
        created.append(agreement)
    return created


@dataclass
class AccountSyncReport:
    created: list[ProviderAccount] = field(default_factory=list)
    updated: list[ProviderAccount] = field(default_factory=list)
    matched: list[ProviderAccount] = field(default_factory=list)  # newly mapped by e-mail domain
    unmapped: list[ProviderAccount] = field(default_factory=list)
    agreements: list[Agreement] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.created)} new, {len(self.updated)} updated, {len(self.matched)} matched by "
            f"e-mail domain, {len(self.unmapped)} still unmapped, {len(self.agreements)} pending agreement(s)"
        )


def _email_domain(customer: ProviderCustomer) -> str:
    return customer.email.rsplit("@", 1)[1].lower() if "@" in customer.email else ""


def sync_provider_accounts(provider: Provider) -> AccountSyncReport:
    """Customers at the provider -> ProviderAccount rows; unmapped ones auto-match by e-mail domain.

    A row is matched to the one active Account whose `email_domain` equals the domain of the
    customer's billing e-mail (no match or several: left for manual mapping). Newly mapped accounts
    get Pending agreements of the provider's active templates.
    """
    _automatic(provider)
    with connected(provider) as connector:
        customers = list(connector.list_customers())
    report = AccountSyncReport()
    now = clock.now()
    with transaction.atomic():
        existing = {
            row.provider_customer_id: row for row in ProviderAccount.objects.filter(provider=provider)
        }
        for customer in customers:
            row = existing.get(customer.id)
            if row is None:
                row = ProviderAccount.objects.create(
                    provider=provider,
                    provider_customer_id=customer.id,
                    name_at_provider=customer.company_name,
                    domain=customer.domain,
                    last_synced_at=now,
                )
                report.created.append(row)
            elif (row.name_at_provider, row.domain) != (customer.company_name, customer.domain):
                row.name_at_provider = customer.company_name
                row.domain = customer.domain
                row.last_synced_at = now
                row.save(update_fields=["name_at_provider", "domain", "last_synced_at"])
                report.updated.append(row)
            if row.account_id is None:
                domain = _email_domain(customer)
                candidates = list(
                    Account.objects.filter(email_domain__iexact=domain, active=True)[:2] if domain else []
                )
                if len(candidates) == 1:
                    row.account = candidates[0]
                    row.save(update_fields=["account"])
                    record(row, "provider_account_matched", message=f"matched to {candidates[0]} by {domain}")
                    report.matched.append(row)
                else:
                    report.unmapped.append(row)
        matched_accounts = {row.account_id for row in report.matched if row.account_id is not None}
        if matched_accounts:
            for template in AgreementTemplate.objects.filter(provider=provider, active=True):
                report.agreements += _pending_agreements(template, account_ids=matched_accounts)
        record(provider, "provider_accounts_synced", message=report.summary())
    return report
