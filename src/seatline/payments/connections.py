# SPDX-License-Identifier: AGPL-3.0-or-later
"""The connector of a stored payment processor (its secrets decrypted only here)."""

from __future__ import annotations

from seatline.connectors import payments as protocol
from seatline.connectors.payment_registry import get_processor
from seatline.errors import SeatlineError
from seatline.payments.models import PaymentProcessor


def connector(processor: PaymentProcessor) -> protocol.PaymentProcessor:
    if not processor.active:
        raise SeatlineError(
            "processor_inactive", f"the payment processor {processor.name} is inactive", field="processor"
        )
    return get_processor(processor.connector_config())
