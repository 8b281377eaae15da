# SPDX-License-Identifier: AGPL-3.0-or-later
"""Microsoft Partner Center connector (registered as "partner_center")."""

from seatline.connectors.partner_center.connector import PartnerCenterConnector

__all__ = ["PartnerCenterConnector"]
