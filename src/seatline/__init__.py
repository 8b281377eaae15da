# SPDX-License-Identifier: AGPL-3.0-or-later
"""Seatline: billing and subscription management for Microsoft CSP partners and MSPs."""

__version__ = "0.1.0"
