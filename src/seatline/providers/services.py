# SPDX-License-Identifier: AGPL-3.0-or-later
"""Provider services: connectors built from Provider rows, connectivity, and the flows' public API.

The flows live in small modules and are re-exported here:

* `seatline.providers.onboarding`: domain check, new customer tenants, agreements, provider-account
  sync;
* `seatline.providers.provisioning`: LCL -> provider (the hook of the subscription services, credit
  hold, the NCE window check, mark provisioned);
* `seatline.providers.sync`: provider subscriptions -> Seatline (import, drift report, NCE fields);
* `seatline.providers.orders`: sales-order provisioning.

Configuration of an automatic provider (`Provider.settings`, never secrets): the connector's keys
(docs/providers.md: base_url, auth, authority, tenant_id or tenant, client_id, timeouts, ...).
Secrets come from environment variables named in the settings with an `_env` suffix, e.g.
`"client_secret_env": "SEATLINE_PC_CLIENT_SECRET"` or `"refresh_token_env": ...`. Rotated refresh
tokens are kept in `ProviderCredential` rows (`DatabaseTokenStore`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from itertools import islice
from typing import Any

from django.db import transaction

from seatline import clock
from seatline.connectors.base import ProviderConnector
from seatline.connectors.registry import get_connector
from seatline.errors import SeatlineError
from seatline.providers.models import Provider, ProviderCredential

__all__ = [
    "DatabaseTokenStore",
    "accept_agreement",
    "check_domain",
    "connected",
    "connector_config",
    "connector_for",
    "create_missing_agreements",
    "mark_provisioned",
    "onboard_customer",
    "provision_order",
    "retry_provisioning",
    "sync_provider_accounts",
    "sync_subscriptions",
    "verify_connectivity",
]

ENV_SUFFIX = "_env"
SECRET_KEYS = frozenset({"client_secret", "refresh_token", "access_token"})


class DatabaseTokenStore:
    """The connectors' `TokenStore` protocol over `ProviderCredential` rows of one provider.

    Each save commits at once (its own transaction when none is open), because the provider has
    already invalidated the previous refresh token.
    """

    def __init__(self, provider: Provider) -> None:
        self.provider = provider

    def __repr__(self) -> str:
        return f"DatabaseTokenStore(provider={self.provider.pk})"

    def load_refresh_token(self, key: str) -> str | None:
        row = ProviderCredential.objects.filter(provider=self.provider, key=key).first()
        return row.refresh_token if row is not None else None

    def save_refresh_token(self, key: str, refresh_token: str) -> None:
        with transaction.atomic():
            ProviderCredential.objects.update_or_create(
                provider=self.provider,
                key=key,
                defaults={"refresh_token": refresh_token, "updated_at": clock.now()},
            )


def connector_config(provider: Provider, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The connector configuration of an automatic provider, secrets read from the environment."""
    environ = os.environ if environ is None else environ
    if provider.type != Provider.Type.AUTOMATIC or not provider.connector:
        raise SeatlineError(
            "provider_not_automatic",
            f"{provider} is a {provider.get_type_display()} provider: it has no connector",
            field="provider",
        )
    settings = dict(provider.settings or {})
    leaked = sorted(SECRET_KEYS & set(settings))
    if leaked:
        raise SeatlineError(
            "provider_secret_in_settings",
            f"{provider}: {', '.join(leaked)} must not be stored in the settings; name an environment "
            f"variable instead ({leaked[0]}_env)",
            field="settings",
        )
    config: dict[str, Any] = {}
    for key, value in settings.items():
        if key.endswith(ENV_SUFFIX):
            name = str(value)
            secret = environ.get(name)
            if not secret:
                raise SeatlineError(
                    "provider_secret_missing",
                    f"{provider}: the environment variable {name} ({key}) is not set",
                    field="settings",
                )
            config[key[: -len(ENV_SUFFIX)]] = secret
        else:
            config[key] = value
    if "tenant" in config and "tenant_id" not in config:
        config["tenant_id"] = config.pop("tenant")
    config.setdefault("token_store_key", f"{provider.connector}:{config.get('tenant_id', provider.pk)}")
    config["token_store"] = DatabaseTokenStore(provider)
    return config


def connector_for(provider: Provider) -> ProviderConnector:
    """A connector for an automatic provider (close it when done; see `connected`)."""
    config = connector_config(provider)
    try:
        return get_connector(provider.connector, config)
    except KeyError as exc:
        raise SeatlineError(
            "provider_misconfigured", f"{provider}: the setting {exc.args[0]} is missing", field="settings"
        ) from exc
    except ValueError as exc:
        raise SeatlineError("provider_misconfigured", f"{provider}: {exc}", field="settings") from exc


@contextmanager
def connected(provider: Provider) -> Iterator[ProviderConnector]:
    """`with connected(provider) as connector:` -- the connector, closed afterwards."""
    connector = connector_for(provider)
    try:
        yield connector
    finally:
        close = getattr(connector, "close", None)
        if callable(close):
            close()


def verify_connectivity(*, provider: Provider) -> str:
    """Authenticate and read one page of customers; a sentence for staff, or a ProviderError."""
    with connected(provider) as connector:
        seen = len(list(islice(connector.list_customers(), 5)))
    more = "+" if seen == 5 else ""
    return f"{provider}: connected, credentials accepted ({seen}{more} customer(s) visible)"


# Re-exported flows (imported last: they use the helpers above).
from seatline.providers.onboarding import (  # noqa: E402
    accept_agreement,
    check_domain,
    create_missing_agreements,
    onboard_customer,
    sync_provider_accounts,
)
from seatline.providers.orders import provision_order  # noqa: E402
from seatline.providers.provisioning import mark_provisioned, retry_provisioning  # noqa: E402
from seatline.providers.sync import sync_subscriptions  # noqa: E402
