# SPDX-License-Identifier: AGPL-3.0-or-later
"""Registry of provider connectors by key.

    @register("partner_center")
    class PartnerCenterConnector: ...

    connector = get_connector("partner_center", {"tenant_id": ..., "client_id": ..., ...})

A registered factory is a callable taking the provider configuration mapping (usually the class
itself, via a `from_config` classmethod when it has one). Keys are the provider kinds stored on a
Seatline Provider. The pseudo-providers "manual" and "do_nothing" are deliberately *not*
registered: they have no API, the provisioning service handles them (reminder / not applicable).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from seatline.connectors.base import ProviderConnector
from seatline.errors import SeatlineError

Factory = Callable[[Mapping[str, Any]], ProviderConnector]
T = TypeVar("T")

PSEUDO_PROVIDERS = frozenset({"manual", "do_nothing"})

_registry: dict[str, Factory] = {}


def register(key: str) -> Callable[[T], T]:
    """Class decorator: make `key` build this connector (through `from_config` when defined)."""

    def decorator(target: T) -> T:
        if key in PSEUDO_PROVIDERS:
            raise ValueError(f"{key!r} is a pseudo-provider handled by provisioning, not a connector")
        factory = getattr(target, "from_config", target)
        existing = _registry.get(key)
        if existing is not None and existing is not factory:
            raise ValueError(f"connector key {key!r} is already registered")
        _registry[key] = factory
        return target

    return decorator


def _load_builtin() -> None:
    # Importing the vendor packages runs their @register decorators.
    import seatline.connectors.partner_center
    import seatline.connectors.pax8  # noqa: F401


def registered_keys() -> list[str]:
    _load_builtin()
    return sorted(_registry)


def get_connector(key: str, config: Mapping[str, Any]) -> ProviderConnector:
    """Build the connector for provider kind `key` from its configuration."""
    _load_builtin()
    if key in PSEUDO_PROVIDERS:
        raise SeatlineError(
            "provider_not_a_connector",
            f"{key!r} providers have no connector; the provisioning service handles them",
            field="key",
        )
    factory = _registry.get(key)
    if factory is None:
        raise SeatlineError("provider_unknown", f"no connector is registered for {key!r}", field="key")
    return factory(config)
