# SPDX-License-Identifier: AGPL-3.0-or-later
"""`PartnerCenterConnector`: the `ProviderConnector` for Microsoft Partner Center (CSP direct)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import httpx

from seatline.connectors.base import (
    AgreementAcceptance,
    ConnectorCapabilities,
    CustomerRequest,
    NextTermInstructions,
    Offer,
    OrderLine,
    OrderResult,
    ProviderAgreement,
    ProviderCustomer,
    ProviderInvoice,
    ProviderSubscription,
    RatedUsageLine,
    ReconciliationLine,
    SubscriptionStatus,
)
from seatline.connectors.partner_center import agreements, customers, invoices
from seatline.connectors.partner_center.catalog import OrdersApi, list_offers
from seatline.connectors.partner_center.client import DEFAULT_BASE_URL, PartnerCenterClient
from seatline.connectors.partner_center.graph import DEFAULT_GRAPH_URL, GraphBillingExports
from seatline.connectors.partner_center.subscriptions import SubscriptionsApi
from seatline.connectors.partner_center.tokens import (
    DEFAULT_AUTHORITY,
    ClientCredentialsTokenProvider,
    MsalTokenProvider,
    RefreshTokenProvider,
    StaticTokenProvider,
    TokenProvider,
    TokenStore,
)
from seatline.connectors.registry import register

CAPABILITIES = ConnectorCapabilities(
    supports_domain_check=True,
    supports_agreements=True,
    supports_nce_windows=True,
    supports_scheduled_changes=True,
    supports_suspend=True,
    supports_auto_renew=True,
    supports_invoice_lines=True,
    supports_order_validation=False,
)


@register("partner_center")
class PartnerCenterConnector:
    """Partner Center over httpx. Build it with `from_config()` or with a ready client."""

    key = "partner_center"
    capabilities = CAPABILITIES

    def __init__(
        self,
        client: PartnerCenterClient,
        *,
        customer_page_size: int = 500,
        line_page_size: int = invoices.MAX_LINE_PAGE_SIZE,
        order_poll_interval: float = 5.0,
        order_max_wait: float = 60.0,
        patch_poll_interval: float = 2.0,
        patch_max_wait: float = 60.0,
        graph: GraphBillingExports | None = None,
    ) -> None:
        self.client = client
        self.graph = graph
        self.customer_page_size = customer_page_size
        self.line_page_size = line_page_size
        self.subscriptions = SubscriptionsApi(
            client, poll_interval=patch_poll_interval, max_wait=patch_max_wait
        )
        self.orders = OrdersApi(
            client,
            self.subscriptions,
            poll_interval=order_poll_interval,
            max_wait=order_max_wait,
        )

    @classmethod
    def from_config(
        cls,
        config: Mapping[str, Any],
        *,
        token_store: TokenStore | None = None,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> PartnerCenterConnector:
        """Configuration keys (see docs/providers.md):

        base_url, auth ("client_credentials" | "refresh_token" | "msal" | "msal_refresh_token" |
        "static"), tenant_id, client_id, client_secret, refresh_token, authority, resource,
        access_token (static only), timeout, max_attempts, max_retry_sleep, customer_page_size,
        line_page_size, order_poll_interval, order_max_wait, patch_poll_interval, patch_max_wait,
        application_name. `token_store` may also be passed in config as "token_store".
        """
        timeout = float(config.get("timeout", 30.0))
        http = http or httpx.Client(timeout=timeout)
        store = token_store or config.get("token_store")
        token_provider = build_token_provider(config, store=store, http=http)
        client = PartnerCenterClient(
            token_provider=token_provider,
            base_url=str(config.get("base_url") or DEFAULT_BASE_URL),
            http=http,
            max_attempts=int(config.get("max_attempts", 4)),
            max_retry_sleep=float(config.get("max_retry_sleep", 30.0)),
            sleep=sleep,
            application_name=str(config.get("application_name", "Seatline")),
        )
        graph = GraphBillingExports(
            token_provider=build_graph_token_provider(config, http=http),
            base_url=str(config.get("graph_base_url") or DEFAULT_GRAPH_URL),
            http=http,
            sleep=sleep,
            poll_interval=float(config.get("export_poll_interval", 10.0)),
            max_wait=float(config.get("export_max_wait", 3600.0)),
            max_attempts=int(config.get("max_attempts", 4)),
            max_retry_sleep=float(config.get("max_retry_sleep", 30.0)),
        )
        return cls(
            client,
            customer_page_size=int(config.get("customer_page_size", 500)),
            line_page_size=int(config.get("line_page_size", invoices.MAX_LINE_PAGE_SIZE)),
            order_poll_interval=float(config.get("order_poll_interval", 5.0)),
            order_max_wait=float(config.get("order_max_wait", 60.0)),
            patch_poll_interval=float(config.get("patch_poll_interval", 2.0)),
            patch_max_wait=float(config.get("patch_max_wait", 60.0)),
            graph=graph,
        )

    def close(self) -> None:
        self.client.close()

    # customers
    def create_customer(self, request: CustomerRequest) -> ProviderCustomer:
        return customers.create_customer(self.client, request)

    def find_customer(
        self, *, domain: str | None = None, customer_id: str | None = None
    ) -> ProviderCustomer | None:
        return customers.find_customer(
            self.client, domain=domain, customer_id=customer_id, page_size=self.customer_page_size
        )

    def domain_available(self, domain: str) -> bool:
        return customers.domain_available(self.client, domain)

    def list_customers(self) -> Iterator[ProviderCustomer]:
        return customers.list_customers(self.client, page_size=self.customer_page_size)

    # agreements
    def accept_customer_agreement(
        self, customer_id: str, acceptance: AgreementAcceptance
    ) -> ProviderAgreement:
        return agreements.accept(self.client, customer_id, acceptance)

    def list_customer_agreements(self, customer_id: str) -> list[ProviderAgreement]:
        return agreements.list_agreements(self.client, customer_id)

    # catalog and orders
    def list_offers(self, country: str) -> list[Offer]:
        return list_offers(self.client, country)

    def order_subscriptions(self, customer_id: str, lines: list[OrderLine]) -> OrderResult:
        return self.orders.order(customer_id, lines)

    # subscriptions
    def get_subscription(self, customer_id: str, subscription_id: str) -> ProviderSubscription:
        return self.subscriptions.get(customer_id, subscription_id)

    def list_subscriptions(self, customer_id: str) -> list[ProviderSubscription]:
        return self.subscriptions.list(customer_id)

    def change_quantity(self, customer_id: str, subscription_id: str, quantity: int) -> ProviderSubscription:
        return self.subscriptions.change_quantity(customer_id, subscription_id, quantity)

    def suspend(self, customer_id: str, subscription_id: str) -> ProviderSubscription:
        return self.subscriptions.set_status(customer_id, subscription_id, SubscriptionStatus.SUSPENDED)

    def activate(self, customer_id: str, subscription_id: str) -> ProviderSubscription:
        return self.subscriptions.set_status(customer_id, subscription_id, SubscriptionStatus.ACTIVE)

    def cancel(self, customer_id: str, subscription_id: str) -> ProviderSubscription:
        return self.subscriptions.set_status(customer_id, subscription_id, SubscriptionStatus.DELETED)

    def set_auto_renew(self, customer_id: str, subscription_id: str, enabled: bool) -> ProviderSubscription:
        return self.subscriptions.set_auto_renew(customer_id, subscription_id, enabled)

    def schedule_next_term(
        self, customer_id: str, subscription_id: str, instructions: NextTermInstructions | None
    ) -> ProviderSubscription:
        return self.subscriptions.schedule_next_term(customer_id, subscription_id, instructions)

    # invoices and reconciliation
    def list_invoices(self) -> list[ProviderInvoice]:
        return invoices.list_invoices(self.client)

    def get_invoice(self, invoice_id: str) -> ProviderInvoice:
        return invoices.get_invoice(self.client, invoice_id)

    def iter_invoice_lines(
        self, invoice_id: str, billing_provider: str = "onetime"
    ) -> Iterator[ReconciliationLine]:
        return invoices.iter_lines(
            self.client, invoice_id, page_size=self.line_page_size, provider=billing_provider
        )

    def iter_unbilled_lines(self, currency: str, period: str = "current") -> Iterator[ReconciliationLine]:
        return invoices.iter_unbilled_lines(
            self.client, currency, period=period, page_size=self.line_page_size
        )

    def iter_usage_lines(
        self, invoice_id: str, currency: str, billing_provider: str = "onetime"
    ) -> Iterator[RatedUsageLine]:
        """v1 billed daily rated usage (Azure plan) of an invoice, paged."""
        return invoices.iter_usage_lines(
            self.client, invoice_id, currency, page_size=self.line_page_size, provider=billing_provider
        )

    # Graph v2 asynchronous exports (full attribute set)
    def _graph(self) -> GraphBillingExports:
        if self.graph is None:
            raise ValueError("this connector was built without a Graph client (use from_config)")
        return self.graph

    def export_reconciliation_lines(self, invoice_id: str) -> Iterator[ReconciliationLine]:
        return self._graph().reconciliation_lines(invoice_id)

    def export_usage_lines(self, invoice_id: str) -> Iterator[RatedUsageLine]:
        return self._graph().usage_lines(invoice_id)


def build_graph_token_provider(config: Mapping[str, Any], *, http: httpx.Client | None) -> TokenProvider:
    """The Graph token (permission PartnerBilling.Read.All): static in static mode, else app-only
    client credentials for `graph_resource` (Graph accepts the application permission; a Partner
    Center refresh token is single-use and is not shared with it)."""
    if str(config.get("auth", "client_credentials")) == "static":
        return StaticTokenProvider(
            str(config.get("graph_access_token") or config.get("access_token") or "seatline-static-token")
        )
    return ClientCredentialsTokenProvider(
        tenant_id=str(config["tenant_id"]),
        client_id=str(config["client_id"]),
        client_secret=str(config["client_secret"]),
        authority=str(config.get("authority") or DEFAULT_AUTHORITY),
        resource=str(config.get("graph_resource") or "https://graph.microsoft.com"),
        http=http,
    )


def build_token_provider(
    config: Mapping[str, Any], *, store: TokenStore | None, http: httpx.Client | None
) -> TokenProvider:
    auth = str(config.get("auth", "client_credentials"))
    if auth == "static":
        return StaticTokenProvider(str(config.get("access_token") or "seatline-static-token"))
    tenant_id = str(config["tenant_id"])
    client_id = str(config["client_id"])
    client_secret = str(config["client_secret"])
    authority = str(config.get("authority") or DEFAULT_AUTHORITY)
    resource = str(config.get("resource") or "https://api.partnercenter.microsoft.com")
    if auth == "client_credentials":
        return ClientCredentialsTokenProvider(
            tenant_id=tenant_id,
            client_id=client_id,
            client_secret=client_secret,
            authority=authority,
            resource=resource,
            http=http,
        )
    if auth == "refresh_token":
        return RefreshTokenProvider(
            tenant_id=tenant_id,
            client_id=client_id,
            client_secret=client_secret,
            store=store,
            store_key=str(config.get("token_store_key") or f"partner_center:{tenant_id}"),
            refresh_token=config.get("refresh_token"),
            authority=authority,
            resource=resource,
            http=http,
        )
    if auth in ("msal", "msal_refresh_token"):
        return MsalTokenProvider(
            tenant_id=tenant_id,
            client_id=client_id,
            client_secret=client_secret,
            authority_host=authority,
            store=store,
            store_key=str(config.get("token_store_key") or f"partner_center:{tenant_id}"),
            use_refresh_token=auth == "msal_refresh_token",
        )
    raise ValueError(f"unknown Partner Center auth mode {auth!r}")
