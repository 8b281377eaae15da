# SPDX-License-Identifier: AGPL-3.0-or-later
"""Pax8 partner API connector (registered as "pax8")."""

from seatline.connectors.pax8.connector import Pax8Connector

__all__ = ["Pax8Connector"]
