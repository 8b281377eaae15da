# SPDX-License-Identifier: AGPL-3.0-or-later
"""`seatline rotate-secrets`: re-encrypt every stored secret with the newest Fernet key.

Procedure: put a new key first in `SEATLINE_FERNET_KEYS` (or the data directory's `fernet_keys`
file), keep the old keys after it, run this command, then remove the old keys.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from seatline.common import crypto


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field (processor keys, refresh tokens) with the newest Fernet key."

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        with transaction.atomic():
            for model in apps.get_models():
                fields = [f for f in model._meta.concrete_fields if isinstance(f, crypto.EncryptedTextField)]
                if not fields:
                    continue
                table = model._meta.db_table
                quote = connection.ops.quote_name
                with connection.cursor() as cursor:
                    for field in fields:
                        column = quote(field.column)
                        cursor.execute(f"SELECT {quote(model._meta.pk.column)}, {column} FROM {quote(table)}")
                        for pk, value in cursor.fetchall():
                            if not value:
                                continue
                            cursor.execute(
                                f"UPDATE {quote(table)} SET {column} = %s WHERE {quote(model._meta.pk.column)} = %s",
                                [
                                    crypto.rotate(value) if crypto.is_token(value) else crypto.encrypt(value),
                                    pk,
                                ],
                            )
                            total += 1
        self.stdout.write(f"{total} secrets re-encrypted with the newest key")
