# SPDX-License-Identifier: AGPL-3.0-or-later
"""Connector construction, connectivity, onboarding, agreements and provider-account sync."""

from __future__ import annotations

import datetime as dt

import pytest

from seatline.audit.models import AuditEvent
from seatline.connectors.base import Address, CustomerRequest
from seatline.connectors.errors import ProviderError
from seatline.customers.models import Account
from seatline.errors import SeatlineError
from seatline.providers import services as providers
from seatline.providers.models import (
    Agreement,
    AgreementTemplate,
    Provider,
    ProviderAccount,
    ProviderCredential,
)
from seatline.providers.onboarding import tenant_domain
from seatline.providers.tests.simulator import START, Sim, customer_account, partner_center

pytestmark = pytest.mark.django_db


def test_connector_config_reads_secrets_from_the_environment() -> None:
    provider = Provider.objects.create(
        name="PC",
        type="automatic",
        connector="partner_center",
        settings={"tenant": "t-1", "client_id": "app", "client_secret_env": "PC_SECRET", "timeout": 5},
    )
    config = providers.connector_config(provider, environ={"PC_SECRET": "s3cret"})
    store = config.pop("token_store")
    assert config == {
        "tenant_id": "t-1",
        "client_id": "app",
        "client_secret": "s3cret",
        "timeout": 5,
        "token_store_key": "partner_center:t-1",
    }
    assert isinstance(store, providers.DatabaseTokenStore) and "s3cret" not in repr(store)
    with pytest.raises(SeatlineError) as missing:
        providers.connector_config(provider, environ={})
    assert (missing.value.code, missing.value.message) == (
        "provider_secret_missing",
        "PC: the environment variable PC_SECRET (client_secret_env) is not set",
    )
    provider.settings = {"client_secret": "inline"}
    with pytest.raises(SeatlineError) as inline:
        providers.connector_config(provider, environ={})
    assert inline.value.code == "provider_secret_in_settings"
    manual = Provider.objects.create(name="Manual", type="manual")
    with pytest.raises(SeatlineError) as not_automatic:
        providers.connector_for(manual)
    assert not_automatic.value.code == "provider_not_automatic"
    provider.settings = {"auth": "client_credentials"}
    with pytest.raises(SeatlineError) as misconfigured:
        providers.connector_for(provider)
    assert misconfigured.value.code == "provider_misconfigured"


def test_database_token_store_keeps_the_latest_token() -> None:
    provider = Provider.objects.create(name="PC", type="automatic", connector="partner_center")
    store = providers.DatabaseTokenStore(provider)
    assert store.load_refresh_token("k") is None
    store.save_refresh_token("k", "first")
    store.save_refresh_token("k", "second")
    (row,) = ProviderCredential.objects.all()
    assert (row.key, row.refresh_token, store.load_refresh_token("k")) == ("k", "second", "second")
    assert "second" not in repr(row)


def test_verify_connectivity(sim: Sim) -> None:
    provider = partner_center(sim.url)
    assert providers.verify_connectivity(provider=provider) == (
        "Microsoft Partner Center: connected, credentials accepted (0 customer(s) visible)"
    )


def test_domains() -> None:
    assert tenant_domain("Contoso") == "contoso.onmicrosoft.com"
    assert tenant_domain("contoso.onmicrosoft.com") == "contoso.onmicrosoft.com"
    for bad in ("", "-x", "a b", "contoso.com"):
        with pytest.raises(SeatlineError) as invalid:
            tenant_domain(bad)
        assert invalid.value.code == "invalid_domain"


def test_onboarding_refusals_change_nothing(sim: Sim) -> None:
    provider = partner_center(sim.url)
    account, contact = customer_account()
    providers.onboard_customer(account=account, provider=provider, domain="fabrikam", contact=contact)
    other, other_contact = customer_account("Other Fabrikam", "other.example")
    with pytest.raises(SeatlineError) as taken:
        providers.onboard_customer(account=other, provider=provider, domain="fabrikam", contact=other_contact)
    assert taken.value.code == "domain_taken"
    with pytest.raises(SeatlineError) as wrong_contact:
        providers.onboard_customer(account=other, provider=provider, domain="other", contact=contact)
    assert wrong_contact.value.code == "contact_not_of_account"
    Account.objects.filter(pk=other.pk).update(address_line1="")
    other.refresh_from_db()
    with pytest.raises(SeatlineError) as address:
        providers.onboard_customer(account=other, provider=provider, domain="other", contact=other_contact)
    assert (address.value.code, address.value.message) == (
        "invalid_address",
        "Other Fabrikam needs address line 1 to be created at Microsoft Partner Center",
    )
    assert ProviderAccount.objects.count() == 1
    assert AuditEvent.objects.filter(action="customer_onboarded").count() == 1


def test_accept_agreement_paths(sim: Sim) -> None:
    provider = partner_center(sim.url)
    account, contact = customer_account()
    mca = AgreementTemplate.objects.get(agreement_type="MicrosoftCustomerAgreement")
    mca.provider = provider
    mca.save()
    with pytest.raises(SeatlineError) as unmapped:
        providers.accept_agreement(
            account=account,
            template=mca,
            signed_by_name="Ada Lee",
            signed_by_email="ada@x.example",
            executed_on=START.date(),
        )
    assert unmapped.value.code == "provider_account_missing"
    with pytest.raises(SeatlineError) as one_name:
        providers.accept_agreement(
            account=account,
            template=mca,
            signed_by_name="Ada",
            signed_by_email="ada@x.example",
            executed_on=START.date(),
        )
    assert one_name.value.code == "invalid_name"
    assert Agreement.objects.count() == 0

    providers.onboard_customer(account=account, provider=provider, domain="fabrikam", contact=contact)
    (pending,) = providers.create_missing_agreements(mca)
    assert pending.status == "pending"
    assert providers.create_missing_agreements(mca) == []
    accepted = providers.accept_agreement(
        account=account,
        template=mca,
        signed_by_name="Ada Lee",
        signed_by_email="ada@x.example",
        executed_on=START.date(),
    )
    assert accepted.pk == pending.pk and accepted.status == "accepted"
    assert accepted.provider_reference.startswith(
        "MicrosoftCustomerAgreement 117a77b0-9360-443b-8795-c6dedc750cf9 for "
    )

    # a template of the partner's own (no automatic provider) is recorded locally
    own = AgreementTemplate.objects.create(name="Partner terms")
    local = providers.accept_agreement(
        account=account,
        template=own,
        signed_by_name="Ada Lee",
        signed_by_email="ada@x.example",
        executed_on=dt.date(2026, 3, 1),
    )
    assert (local.status, local.provider_reference) == ("accepted", "")
    with pytest.raises(SeatlineError) as no_provider:
        providers.create_missing_agreements(own)
    assert no_provider.value.code == "template_without_provider"


def test_sync_provider_accounts_creates_matches_and_adds_pending_agreements(sim: Sim) -> None:
    provider = partner_center(sim.url)
    mca = AgreementTemplate.objects.get(agreement_type="MicrosoftCustomerAgreement")
    mca.provider = provider
    mca.save()
    tailspin, _ = customer_account("Tailspin Toys", "tailspin.example")
    customer_account("Twin A", "twins.example")
    customer_account("Twin B", "twins.example")
    address = Address(
        first_name="A",
        last_name="B",
        line1="1 Way",
        city="Redmond",
        postal_code="98052",
        country="US",
        state="WA",
    )
    with providers.connected(provider) as connector:
        for name, email in (
            ("Tailspin", "it@tailspin.example"),
            ("Twins", "it@twins.example"),
            ("Nobody", "x@none.example"),
        ):
            connector.create_customer(
                CustomerRequest(
                    company_name=name, domain=f"{name.lower()}.onmicrosoft.com", email=email, address=address
                )
            )
    report = providers.sync_provider_accounts(provider)
    assert (len(report.created), len(report.matched), len(report.unmapped), len(report.agreements)) == (
        3,
        1,
        2,
        1,
    )
    (matched,) = report.matched
    assert (matched.account, matched.name_at_provider, matched.domain) == (
        tailspin,
        "Tailspin",
        "tailspin.onmicrosoft.com",
    )
    (agreement,) = report.agreements
    assert (agreement.account, agreement.status) == (tailspin, "pending")
    again = providers.sync_provider_accounts(provider)
    assert (len(again.created), len(again.matched), len(again.unmapped)) == (0, 0, 2)
    assert ProviderAccount.objects.count() == 3


def test_provider_refusal_surfaces_as_provider_error(sim: Sim) -> None:
    provider = partner_center(sim.url, auth="refresh_token")
    with pytest.raises(ProviderError) as refused:
        providers.verify_connectivity(provider=provider)
    assert refused.value.code == "provider_auth_failed"
