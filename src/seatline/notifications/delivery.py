# SPDX-License-Identifier: AGPL-3.0-or-later
"""Handing one logged e-mail to the mail server, at most once.

The guarantee: an e-mail row is handed to the SMTP server in at most one accepted SMTP
conversation, whatever crashes or retries happen. How:

1. In its own committed transaction, the row moves Queued -> Sending (row locked; any other
   status stops here). This mark is durable *before* the server hears of the message.
2. The SMTP conversation (Django's e-mail backend: open, then send).
3. In its own committed transaction: Sending -> Sent (the Message-ID was fixed when the row was
   written, so the log and the recipient's copy carry the same id).

A try that finds the row Sent does nothing; one that finds it Sending knows an earlier try
stopped between 1 and 3 (a worker killed, a machine lost) and cannot know whether the server
accepted the message: it marks the row Unconfirmed and sends nothing. A person checks and uses
Resend (a new row, a new Message-ID). A definite "no" does not need that caution: a refused
connection or login (the message never left), or a 4xx/5xx reply to MAIL, RCPT or DATA puts the
row back to Queued with the server's reply and the job retries by the job rules (backoff, 6
tries); the last refused try leaves it Failed with the reply. A connection that breaks during
the conversation is the ambiguous case again: Unconfirmed.

The job handler runs outside the executor's transaction (`job_handler(atomic=False)`) because
step 1 must commit before step 2.
"""

from __future__ import annotations

import contextlib
import hashlib
import smtplib
from typing import Any

from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction

from seatline import clock
from seatline.notifications.models import EmailStatus, OutgoingEmail

TEMPLATE_HEADER = "X-Seatline-Template"
SENDABLE = (EmailStatus.QUEUED, EmailStatus.FAILED)


class AlreadySent(Exception):
    """Nothing to do: the e-mail was sent by an earlier try."""


class DeliveryUnconfirmed(Exception):
    """An earlier try was interrupted during the SMTP conversation: not sent again."""


class SmtpRefused(Exception):
    """The server refused (4xx/5xx) or could not be reached: not sent, worth retrying."""


class AttachmentChanged(Exception):
    """A stored attachment is missing or no longer has the hash it was sent with."""


def smtp_reply(exc: BaseException) -> str:
    """The server's reply in an SMTP exception ("550 5.1.1 <x@y>: user unknown")."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = []
        for address, (code, text) in sorted(exc.recipients.items()):
            message = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
            parts.append(f"{address}: {code} {message}")
        return "; ".join(parts) or str(exc)
    if isinstance(exc, smtplib.SMTPResponseException):
        message = (
            exc.smtp_error.decode("utf-8", "replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return f"{exc.smtp_code} {message}".strip()
    return f"{type(exc).__name__}: {exc}"


def build_message(email: OutgoingEmail, connection: Any = None) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.text_body,
        from_email=email.from_email,
        to=list(email.to),
        cc=list(email.cc),
        bcc=list(email.bcc),
        headers={"Message-ID": email.message_id, TEMPLATE_HEADER: email.template_key},
        connection=connection,
    )
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    for attachment in email.attachments:
        try:
            with default_storage.open(attachment["path"], "rb") as handle:
                data = handle.read()
        except (OSError, ValueError) as exc:
            raise AttachmentChanged(f"attachment {attachment['path']} cannot be read: {exc}") from exc
        if hashlib.sha256(data).hexdigest() != attachment["sha256"]:
            raise AttachmentChanged(f"attachment {attachment['path']} no longer has its SHA-256")
        message.attach(
            attachment["filename"], data, attachment.get("content_type") or "application/octet-stream"
        )
    return message


def _claim(email_id: int, job_id: int | None) -> OutgoingEmail:
    """Step 1: Queued/Failed -> Sending, committed (a row found Sending becomes Unconfirmed)."""
    stop: Exception | None = None
    with transaction.atomic():
        email = OutgoingEmail.objects.select_for_update().get(pk=email_id)
        if email.status == EmailStatus.SENT:
            stop = AlreadySent(f"sent at {email.sent_at:%Y-%m-%d %H:%M:%S} as {email.message_id}")
        elif email.status in (EmailStatus.SENDING, EmailStatus.UNCONFIRMED):
            if email.status == EmailStatus.SENDING:
                email.status = EmailStatus.UNCONFIRMED
                email.error = (
                    "an earlier try stopped during the SMTP conversation; the server may have "
                    "accepted it: check with the recipient, then Resend if needed"
                )
                email.save(update_fields=["status", "error"])
            stop = DeliveryUnconfirmed(f"e-mail {email.pk} ({email.message_id}): {email.error}")
        else:
            email.status = EmailStatus.SENDING
            email.attempts += 1
            email.sending_since = clock.now()
            if job_id is not None:
                email.job_id = job_id
            email.save(update_fields=["status", "attempts", "sending_since", "job"])
    if stop is not None:  # raised after the commit: the Unconfirmed mark stays
        raise stop
    return email


def _set(email: OutgoingEmail, status: str, **values: Any) -> None:
    with transaction.atomic():
        OutgoingEmail.objects.filter(pk=email.pk, status=EmailStatus.SENDING).update(status=status, **values)


def deliver(email_id: int, *, job_id: int | None = None, last_attempt: bool = False) -> dict[str, Any]:
    """Send e-mail `email_id` now (see the module doc for the states and the guarantee)."""
    email = _claim(email_id, job_id)
    back = EmailStatus.FAILED if last_attempt else EmailStatus.QUEUED
    connection = get_connection(fail_silently=False)
    try:
        message = build_message(email, connection)
    except AttachmentChanged as exc:
        _set(email, EmailStatus.FAILED, error=str(exc))
        raise
    try:
        connection.open()
    except Exception as exc:  # connect, TLS or login failed: the message never left
        reply = smtp_reply(exc)
        _set(email, back, error=f"could not reach the mail server: {reply}")
        raise SmtpRefused(reply) from exc
    try:
        connection.send_messages([message])
    except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused) as exc:
        reply = smtp_reply(exc)
        _set(email, back, error=reply)
        raise SmtpRefused(reply) from exc
    except Exception as exc:
        _set(
            email,
            EmailStatus.UNCONFIRMED,
            error=f"the connection broke during the SMTP conversation ({smtp_reply(exc)}); the server "
            "may have accepted it: check with the recipient, then Resend if needed",
        )
        raise DeliveryUnconfirmed(str(exc)) from exc
    finally:
        with contextlib.suppress(Exception):  # QUIT after the message was handed over changes nothing
            connection.close()
    _set(email, EmailStatus.SENT, sent_at=clock.now(), error="")
    return {"email_id": email.pk, "message_id": email.message_id, "to": email.to, "cc": email.cc}
