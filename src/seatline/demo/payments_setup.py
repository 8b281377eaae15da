# SPDX-License-Identifier: AGPL-3.0-or-later
"""The demo's payment processor: Stripe, served by the Stripe simulator the demo starts.

`configure_stripe` creates (or points at the simulator's port) the demo tenant's processor and
tells the simulator to post its signed webhooks to Seatline's endpoint, so charges, refunds and
PayNow work in the demo exactly as against Stripe.
"""

from __future__ import annotations

import httpx

from seatline.configuration.models import Configuration
from seatline.payments.models import PaymentProcessor

NAME = "Stripe (demo simulator)"
SECRET = "whsec_seatline_demo"


def configure_stripe(simulator_url: str, back_office: str) -> PaymentProcessor:
    """The demo processor at `simulator_url`; webhooks to `back_office` (host:port)."""
    processor = PaymentProcessor.objects.filter(name=NAME).first()
    if processor is None:
        processor = PaymentProcessor.objects.create(
            kind=PaymentProcessor.Kind.STRIPE,
            name=NAME,
            api_key="sk_test_seatline_demo",
            webhook_secret=SECRET,
            base_url=simulator_url,
            currency=Configuration.get().tenant_currency,
        )
    elif processor.base_url != simulator_url:
        processor.base_url = simulator_url
        processor.save(update_fields=["base_url", "updated_at"])
    hook = f"http://{back_office}/webhooks/stripe/{processor.pk}/"
    httpx.post(
        f"{simulator_url}/_sim/webhooks", json={"url": hook, "secret": SECRET, "auto": True}, timeout=10
    )
    return processor
