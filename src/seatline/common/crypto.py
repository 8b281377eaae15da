# SPDX-License-Identifier: AGPL-3.0-or-later
"""Secrets at rest: Fernet encryption with key rotation (MultiFernet), and an encrypted text field.

Keys come from `settings.FERNET_KEYS` (newest first; `SEATLINE_FERNET_KEYS` or the key file
`fernet_keys` in the data directory, see `seatline.conf.fernet_keys`). The newest key encrypts;
every listed key decrypts. Rotation: put a new key first, keep the old ones, run
`seatline rotate-secrets` (re-encrypts every stored secret with the newest key), then drop the
old keys.

`EncryptedTextField` stores the Fernet token and gives back the plain text; the plain text never
reaches the database, `repr`, the admin (`mask`) or the audit trail (the models holding such
fields are not audited).
"""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

TOKEN_PREFIX = "gAAAAA"  # every Fernet token starts with the version byte 0x80, base64 "gAAAAA"


class SecretDecryptionError(ValueError):
    """A stored secret cannot be decrypted with any configured key."""


def _fernet(keys: list[str] | None = None) -> MultiFernet:
    chosen = list(keys if keys is not None else settings.FERNET_KEYS)
    if not chosen:
        raise SecretDecryptionError("no Fernet key is configured (SEATLINE_FERNET_KEYS)")
    return MultiFernet([Fernet(key.encode("ascii")) for key in chosen])


def encrypt(plain: str, keys: list[str] | None = None) -> str:
    return _fernet(keys).encrypt(plain.encode("utf-8")).decode("ascii")


def decrypt(token: str, keys: list[str] | None = None) -> str:
    try:
        return _fernet(keys).decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as exc:
        raise SecretDecryptionError("a stored secret cannot be decrypted with the configured keys") from exc


def rotate(token: str, keys: list[str] | None = None) -> str:
    """The same secret encrypted with the newest key (MultiFernet.rotate)."""
    try:
        return _fernet(keys).rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as exc:
        raise SecretDecryptionError("a stored secret cannot be decrypted with the configured keys") from exc


def is_token(value: str) -> bool:
    return value.startswith(TOKEN_PREFIX)


def mask(plain: str) -> str:
    """What the back office shows of a secret: its last four characters at most."""
    if not plain:
        return ""
    return "•" * 8 + (plain[-4:] if len(plain) >= 12 else "")


class EncryptedTextField(models.TextField):
    """Text encrypted with Fernet in the database, plain in Python. Not searchable, not orderable."""

    description = "Fernet-encrypted text"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))
