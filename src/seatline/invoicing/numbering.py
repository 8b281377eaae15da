# SPDX-License-Identifier: AGPL-3.0-or-later
"""Gapless document numbers: one locked `NumberSequence` row per series, inside the issuing
transaction (a rolled-back issue gives its number back)."""

from __future__ import annotations

from django.db import transaction

from seatline.configuration.selectors import configuration
from seatline.invoicing.models import NumberSequence, Series


def number_format(series: str) -> str:
    config = configuration()
    return config.credit_note_number_format if series == Series.CREDIT_NOTE else config.invoice_number_format


def next_number(series: str) -> tuple[int, str]:
    """The next (sequence, formatted number) of `series`; must run inside the issuing transaction."""
    return next_numbers(series, 1)[0]


def next_numbers(series: str, count: int) -> list[tuple[int, str]]:
    """The next `count` (sequence, formatted number) pairs of `series`, in order; must run inside
    the issuing transaction (the sequence row stays locked until it ends)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number must run inside the transaction that issues the document")
    if count < 1:
        return []
    NumberSequence.objects.get_or_create(series=series)
    sequence = NumberSequence.objects.select_for_update().get(series=series)
    first = sequence.last_number + 1
    sequence.last_number += count
    sequence.save(update_fields=["last_number"])
    template = number_format(series)
    return [(n, template.format(number=n)) for n in range(first, sequence.last_number + 1)]
