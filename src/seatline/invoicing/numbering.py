# SPDX-License-Identifier: AGPL-3.0-or-later
"""Gapless document numbers: one locked `NumberSequence` row per series, inside the issuing
transaction (a rolled-back issue gives its number back)."""

from __future__ import annotations

from django.db import transaction

from seatline.invoicing.models import NumberSequence, Series
from seatline.subscriptions.selectors import configuration


def number_format(series: str) -> str:
    config = configuration()
    return config.credit_note_number_format if series == Series.CREDIT_NOTE else config.invoice_number_format


def next_number(series: str) -> tuple[int, str]:
    """The next (sequence, formatted number) of `series`; must run inside the issuing transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number must run inside the transaction that issues the document")
    NumberSequence.objects.get_or_create(series=series)
    sequence = NumberSequence.objects.select_for_update().get(series=series)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return sequence.last_number, number_format(series).format(number=sequence.last_number)
