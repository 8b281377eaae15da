# SPDX-License-Identifier: AGPL-3.0-or-later
"""Authorize.Net through the `authorizenet` SDK: customer/payment profiles, transactions, webhooks."""

from seatline.connectors.authorizenet.connector import AuthorizeNetProcessor

__all__ = ["AuthorizeNetProcessor"]
