# SPDX-License-Identifier: AGPL-3.0-or-later
"""GoCardless through the `gocardless-pro` SDK: Direct Debit mandates, payments, refunds, webhooks."""

from seatline.connectors.gocardless.connector import GoCardlessProcessor

__all__ = ["GoCardlessProcessor"]
