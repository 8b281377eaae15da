# SPDX-License-Identifier: AGPL-3.0-or-later
"""JSON with exact money: shared with the other simulators in `simulators.base.jsonio`."""

from seatline.simulators.base.jsonio import dumps, loads

__all__ = ["dumps", "loads"]
