# SPDX-License-Identifier: AGPL-3.0-or-later
"""Stripe through the `stripe` SDK (`StripeClient`): cards, refunds, Checkout, signed webhooks."""

from seatline.connectors.stripe.connector import StripeProcessor

__all__ = ["StripeProcessor"]
