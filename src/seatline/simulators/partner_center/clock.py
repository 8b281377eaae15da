# SPDX-License-Identifier: AGPL-3.0-or-later
"""The simulator's clock and formats: shared with the other simulators in `simulators.base.clock`."""

from seatline.simulators.base.clock import (
    UTC,
    SimClock,
    first_of_next_month,
    fmt_day,
    fmt_instant,
    midnight,
    parse_day,
    parse_duration,
    parse_instant,
    plain,
    trimmed,
)

__all__ = [
    "UTC",
    "SimClock",
    "first_of_next_month",
    "fmt_day",
    "fmt_instant",
    "midnight",
    "parse_day",
    "parse_duration",
    "parse_instant",
    "plain",
    "trimmed",
]
