# SPDX-License-Identifier: AGPL-3.0-or-later
"""E-mail templates (editable in the back office) and the e-mail log (one row per e-mail)."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import validate_email
from django.db import models

from seatline import clock
from seatline.audit.mixins import AuditedModel
from seatline.common.fields import TimestampedModel
from seatline.notifications.catalog import RECIPIENT_KEYWORDS, SPECS


def split_addresses(value: str) -> list[str]:
    """A To/CC/BCC field's entries: comma-, semicolon- or line-separated."""
    return [part.strip() for part in value.replace(";", ",").replace("\n", ",").split(",") if part.strip()]


def validate_recipient_rule(value: str) -> None:
    for entry in split_addresses(value):
        if entry in RECIPIENT_KEYWORDS:
            continue
        try:
            validate_email(entry)
        except ValidationError as exc:
            keywords = ", ".join(RECIPIENT_KEYWORDS)
            raise ValidationError(
                f"{entry!r} is neither an e-mail address nor one of {keywords}", code="invalid_recipient"
            ) from exc


class EmailTemplate(AuditedModel, TimestampedModel):
    """One kind of e-mail (`catalog.SPECS`): subject, bodies and recipients, in Jinja2."""

    key = models.CharField(
        max_length=50, unique=True, choices=[(key, spec.name) for key, spec in SPECS.items()], editable=False
    )
    subject = models.CharField(max_length=500)
    text_body = models.TextField("text body", help_text="the plain-text part (every mail client shows it)")
    html_body = models.TextField("HTML body", blank=True, help_text="optional; auto-escaped")
    to = models.TextField(
        "To",
        blank=True,
        validators=[validate_recipient_rule],
        help_text="addresses and/or {billing_contacts}, {primary_billing_contact}, {recipients}",
    )
    cc = models.TextField("CC", blank=True, validators=[validate_recipient_rule])
    bcc = models.TextField("BCC", blank=True, validators=[validate_recipient_rule])
    active = models.BooleanField(default=True, help_text="an inactive template sends nothing")

    class Meta:
        ordering = ("key",)
        verbose_name = "e-mail template"

    def __str__(self) -> str:
        return self.get_key_display()

    @property
    def spec(self):  # type: ignore[no-untyped-def]
        return SPECS[self.key]


class EmailStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    UNCONFIRMED = "unconfirmed", "Unconfirmed"


class EmailTrigger(models.TextChoices):
    AUTO = "auto", "Automatic"
    MANUAL = "manual", "Manual"
    RESEND = "resend", "Resend"
    SYSTEM = "system", "System"


class OutgoingEmail(models.Model):
    """One e-mail: rendered when it was requested, sent by a `send_email` job, its outcome kept.

    Statuses: Queued -> Sending (committed before the SMTP conversation) -> Sent; a refusal by
    the server (4xx/5xx) goes back to Queued for the job's retry, or Failed on its last try;
    Unconfirmed when a try was interrupted during the SMTP conversation (the server may have
    accepted it): never sent again by itself, see `delivery`.
    """

    template_key = models.CharField("template", max_length=50, db_index=True)
    trigger = models.CharField(max_length=10, choices=EmailTrigger.choices, default=EmailTrigger.SYSTEM)
    status = models.CharField(max_length=12, choices=EmailStatus.choices, default=EmailStatus.QUEUED)
    account = models.ForeignKey(
        "customers.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="emails"
    )
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    object_id = models.CharField(max_length=64, null=True, blank=True)
    related = GenericForeignKey("content_type", "object_id")
    language = models.CharField(max_length=35)
    from_email = models.CharField("from", max_length=254)
    to = models.JSONField(default=list)
    cc = models.JSONField(default=list, blank=True)
    bcc = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=500)
    text_body = models.TextField()
    html_body = models.TextField(blank=True)
    attachments = models.JSONField(
        default=list, blank=True, encoder=DjangoJSONEncoder, help_text="stored files: name, path, SHA-256"
    )
    message_id = models.CharField("Message-ID", max_length=255, unique=True)
    attempts = models.PositiveIntegerField(default=0, help_text="SMTP conversations started")
    error = models.TextField(blank=True, help_text="the server's reply or the failure")
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    resend_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="resends"
    )
    created_at = models.DateTimeField(default=clock.now)
    sending_since = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = "e-mail"
        verbose_name_plural = "e-mail log"
        indexes = [models.Index(fields=["content_type", "object_id"], name="notif_email_related_idx")]

    def __str__(self) -> str:
        return f"{self.subject} -> {', '.join(self.to)}"

    @property
    def recipients(self) -> list[str]:
        return [*self.to, *self.cc, *self.bcc]
