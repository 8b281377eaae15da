# SPDX-License-Identifier: AGPL-3.0-or-later
"""An e-mail backend that records every message as an .eml file instead of sending it.

`seatline simulate --outbox DIR` uses it: the n-th e-mail the run sends is written as
``DIR/<n>-<template>.eml`` (n with three digits, in sending order since `reset(DIR)`; the
template from the message's X-Seatline-Template header). The directory is
``SEATLINE_EMAIL_RECORD_DIR``.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage

from seatline.notifications.delivery import TEMPLATE_HEADER

_lock = threading.Lock()
_sent: dict[str, int] = {}  # messages recorded per directory since its reset


class RecordingEmailBackend(BaseEmailBackend):
    def __init__(self, *, directory: str | None = None, fail_silently: bool = False, **kwargs: Any) -> None:
        super().__init__(fail_silently=fail_silently, **kwargs)
        self.directory = Path(directory or settings.SEATLINE_EMAIL_RECORD_DIR)

    @staticmethod
    def reset(directory: str) -> None:
        """Number the next message recorded in `directory` 1 again."""
        with _lock:
            _sent[str(Path(directory))] = 0

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        if not str(self.directory) or str(self.directory) == ".":
            raise RuntimeError("RecordingEmailBackend needs SEATLINE_EMAIL_RECORD_DIR")
        self.directory.mkdir(parents=True, exist_ok=True)
        key = str(self.directory)
        with _lock:
            for message in email_messages:
                number = _sent.get(key, 0) + 1
                _sent[key] = number
                template = (message.extra_headers or {}).get(TEMPLATE_HEADER, "email")
                path = self.directory / f"{number:03d}-{template}.eml"
                path.write_bytes(message.message().as_bytes(linesep="\r\n"))
        return len(email_messages)
