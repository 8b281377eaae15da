# SPDX-License-Identifier: AGPL-3.0-or-later
"""Registry of payment processor connectors by kind.

    @register_processor(ProcessorKind.STRIPE)
    class StripeProcessor: ...

    processor = get_processor(ProcessorConfig(kind=ProcessorKind.STRIPE, api_key=..., base_url=...))

A registered factory is a callable taking a `ProcessorConfig` (the class itself, or its
`from_config` classmethod when it has one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from seatline.connectors.payments import PaymentProcessor, ProcessorConfig, ProcessorKind
from seatline.errors import SeatlineError

Factory = Callable[[ProcessorConfig], PaymentProcessor]
T = TypeVar("T")

_registry: dict[str, Factory] = {}


def register_processor(kind: str) -> Callable[[T], T]:
    """Class decorator: make processor `kind` build this connector."""

    def decorator(target: T) -> T:
        factory = getattr(target, "from_config", target)
        existing = _registry.get(str(kind))
        if existing is not None and existing is not factory:
            raise ValueError(f"payment processor {kind!r} is already registered")
        _registry[str(kind)] = factory
        return target

    return decorator


def _load_builtin() -> None:
    # Importing the vendor packages runs their @register_processor decorators.
    import seatline.connectors.authorizenet
    import seatline.connectors.gocardless
    import seatline.connectors.stripe  # noqa: F401


def registered_processors() -> list[str]:
    _load_builtin()
    return sorted(_registry)


def get_processor(config: ProcessorConfig) -> PaymentProcessor:
    """Build the connector for `config.kind`."""
    _load_builtin()
    try:
        kind = ProcessorKind(config.kind)
    except ValueError:
        kind = None
    factory = _registry.get(str(kind)) if kind is not None else None
    if factory is None:
        raise SeatlineError(
            "processor_unknown",
            f"no payment processor connector is registered for {config.kind!r}",
            field="kind",
        )
    return factory(config)
