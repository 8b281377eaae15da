# SPDX-License-Identifier: AGPL-3.0-or-later
"""The daily provider invoice sync e-mail.

Sent through `django.core.mail` from this one function; when the e-mail template system
(`notifications.services.send`, the "provider invoice sync status" template) is merged, this is
the only place to switch over.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import send_mail

from seatline.providers.models import Provider


def sync_report_text(provider: Provider, outcome: dict[str, Any]) -> tuple[str, str]:
    status = outcome.get("status", "")
    number = outcome.get("number") or "-"
    subject = f"Seatline: {provider} invoice sync: {status} {number}".strip()
    lines = [f"Provider invoice sync of {provider}", "", f"Outcome: {status}"]
    for key in ("number", "state", "difference", "tolerance", "lines", "unmapped", "code", "message"):
        if outcome.get(key) not in (None, ""):
            lines.append(f"{key.capitalize()}: {outcome[key]}")
    return subject, "\n".join(lines) + "\n"


def send_sync_report(provider: Provider, outcome: dict[str, Any], recipients: list[str]) -> int:
    """E-mail one provider's sync outcome; returns the number of messages sent (0 without recipients)."""
    if not recipients:
        return 0
    subject, body = sync_report_text(provider, outcome)
    return send_mail(subject, body, getattr(settings, "DEFAULT_FROM_EMAIL", None), recipients)
