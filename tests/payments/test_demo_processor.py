# SPDX-License-Identifier: AGPL-3.0-or-later
"""The demo's Stripe processor follows the simulator the demo starts and gets its webhooks."""

from __future__ import annotations

import httpx
import pytest

from seatline.demo.payments_setup import NAME, configure_stripe
from seatline.payments.models import PaymentProcessor
from seatline.simulators.stripe.server import StripeSimulator

pytestmark = pytest.mark.django_db


def test_configure_stripe_points_the_processor_and_the_webhooks():
    first, second = StripeSimulator().start(), StripeSimulator().start()
    try:
        processor = configure_stripe(first.url, "127.0.0.1:8000")
        again = configure_stripe(second.url, "127.0.0.1:8000")
        hooks = httpx.get(f"{second.url}/_sim/webhooks").json()
    finally:
        first.stop()
        second.stop()
    assert (again.pk, PaymentProcessor.objects.get(name=NAME).base_url) == (processor.pk, second.url)
    assert hooks == {
        "url": f"http://127.0.0.1:8000/webhooks/stripe/{processor.pk}/",
        "secret": "whsec_seatline_demo",
        "auto": True,
    }
