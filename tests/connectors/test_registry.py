# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

import pytest

from seatline.connectors.base import ProviderConnector
from seatline.connectors.partner_center import PartnerCenterConnector
from seatline.connectors.partner_center.tokens import ClientCredentialsTokenProvider
from seatline.connectors.registry import get_connector, register, registered_keys
from seatline.errors import SeatlineError


def test_partner_center_is_registered_and_built_from_config() -> None:
    assert "partner_center" in registered_keys()
    connector = get_connector(
        "partner_center",
        {
            "base_url": "http://127.0.0.1:1",
            "tenant_id": "t",
            "client_id": "a",
            "client_secret": "s",
            "authority": "http://127.0.0.1:1",
            "customer_page_size": 2,
        },
    )
    assert isinstance(connector, PartnerCenterConnector)
    assert isinstance(connector, ProviderConnector)
    assert connector.client.base_url == "http://127.0.0.1:1"
    assert isinstance(connector.client.token_provider, ClientCredentialsTokenProvider)
    assert connector.customer_page_size == 2
    assert connector.capabilities.supports_nce_windows is True


@pytest.mark.parametrize("key", ["manual", "do_nothing"])
def test_pseudo_providers_are_not_connectors(key: str) -> None:
    with pytest.raises(SeatlineError) as caught:
        get_connector(key, {})
    assert caught.value.code == "provider_not_a_connector"
    with pytest.raises(ValueError):
        register(key)(PartnerCenterConnector)


def test_unknown_key() -> None:
    with pytest.raises(SeatlineError) as caught:
        get_connector("td_synnex", {})
    assert caught.value.code == "provider_unknown"


def test_a_key_cannot_be_registered_twice() -> None:
    with pytest.raises(ValueError, match="already registered"):

        @register("partner_center")
        class Other:
            pass
