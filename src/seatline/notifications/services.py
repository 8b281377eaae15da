# SPDX-License-Identifier: AGPL-3.0-or-later
"""Sending e-mails: the API other features call, and the template writes of the back office.

    from seatline.notifications.services import Attachment, send

    send(
        "payment_receipt",
        to_account=invoice.account,
        context={...every variable of catalog.SPECS["payment_receipt"]...},
        related=invoice,
    )

`send` renders the template now (in the recipient's language), writes the e-mail to the log
and enqueues its `send_email` job, all in the caller's transaction: if the caller rolls back,
nothing is sent. The job sends it later through Django's e-mail backend (`delivery`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import translation

from seatline import clock
from seatline.common.languages import DEFAULT_LANGUAGE, text_language
from seatline.customers.models import Account, Contact
from seatline.errors import SeatlineError
from seatline.jobs.services import enqueue
from seatline.notifications import catalog, rendering
from seatline.notifications.models import (
    EmailStatus,
    EmailTemplate,
    EmailTrigger,
    OutgoingEmail,
    split_addresses,
)


@dataclass(frozen=True)
class Attachment:
    """A file in Django's storage to attach; its SHA-256 is checked when the e-mail is sent."""

    filename: str
    path: str
    sha256: str
    content_type: str = "application/pdf"


def template_for(key: str) -> EmailTemplate:
    """The template row of `key`, created from the shipped sources when missing."""
    spec = catalog.spec(key)
    template = EmailTemplate.objects.filter(key=key).first()
    if template is None:
        template = EmailTemplate(key=key, **shipped_fields(spec))
        template.save()
    return template


def shipped_fields(spec: catalog.TemplateSpec) -> dict[str, str]:
    return {
        "subject": spec.shipped("subject").strip(),
        "text_body": spec.shipped("txt"),
        "html_body": spec.shipped("html"),
        "to": spec.to,
        "cc": "",
        "bcc": "",
    }


def seed_templates() -> int:
    """Create the shipped templates that are missing (edited ones are left alone)."""
    existing = set(EmailTemplate.objects.values_list("key", flat=True))
    created = 0
    for key in catalog.SPECS:
        if key not in existing:
            template_for(key)
            created += 1
    return created


def restore_shipped(*, template: EmailTemplate) -> EmailTemplate:
    """Put a template back to the text Seatline ships (nothing is written when it has it already)."""
    shipped = shipped_fields(template.spec)
    if all(getattr(template, name) == value for name, value in shipped.items()):
        return template
    for name, value in shipped.items():
        setattr(template, name, value)
    template.save()
    return template


def template_problems(
    *, key: str, subject: str, text_body: str, html_body: str, language: str = DEFAULT_LANGUAGE
) -> list[rendering.TemplateProblem]:
    """What is wrong with these sources, rendered against the template's sample context."""
    spec = catalog.spec(key)
    context = spec.sample_context()
    problems = []
    with translation.override(text_language(language)):
        for field, source, html in (("subject", subject, False), ("text_body", text_body, False)):
            problem = rendering.check(source, context, field=field, html=html)
            if problem:
                problems.append(problem)
        if html_body.strip():
            problem = rendering.check(html_body, context, field="html_body", html=True)
            if problem:
                problems.append(problem)
    for name in catalog.REQUIRED_IN_TEMPLATE.get(key, ()):
        if name not in rendering.variables_used(text_body):
            problems.append(
                rendering.TemplateProblem("text_body", None, f"the template must use {{{{ {name} }}}}")
            )
    return problems


# -- recipients ------------------------------------------------------------------------------


def _contact_addresses(account: Account | None, primary_only: bool, primary: Contact | None) -> list[str]:
    if account is None:
        return []
    contacts = account.billing_contacts()
    if primary is not None and primary.email:
        contacts = [primary, *(contact for contact in contacts if contact.pk != primary.pk)]
    if primary_only:
        contacts = contacts[:1]
    return [contact.email for contact in contacts]


def resolve_recipients(
    rule: str, *, account: Account | None, given: Sequence[str], primary: Contact | None = None
) -> list[str]:
    addresses: list[str] = []
    for entry in split_addresses(rule):
        if entry == catalog.BILLING_CONTACTS:
            addresses += _contact_addresses(account, False, primary)
        elif entry == catalog.PRIMARY_BILLING_CONTACT:
            addresses += _contact_addresses(account, True, primary)
        elif entry == catalog.RECIPIENTS:
            addresses += list(given)
        else:
            addresses.append(entry)
    seen: set[str] = set()
    unique = []
    for address in addresses:
        if address.lower() not in seen:
            seen.add(address.lower())
            unique.append(address)
    return unique


# -- sending ---------------------------------------------------------------------------------


def send(
    template_key: str,
    *,
    context: Mapping[str, Any],
    to_account: Account | None = None,
    to: Sequence[str] = (),
    primary_contact: Contact | None = None,
    attachments: Sequence[Attachment] = (),
    related: models.Model | None = None,
    language: str | None = None,
    trigger: str = EmailTrigger.SYSTEM,
) -> OutgoingEmail:
    """Render the template `template_key` for its recipients and queue the e-mail (this transaction).

    Recipients follow the template's To/CC/BCC: ``{billing_contacts}`` of `to_account` (with
    `primary_contact` first when given), ``{recipients}`` = `to`, plain addresses. The language
    is `language`, else the account's, else English. Refusals (nothing written):
    `unknown_template`, `template_inactive`, `missing_context` (a documented variable absent),
    `no_recipient`, `template_error` (the template fails on this context).
    """
    if template_key not in catalog.SPECS:
        raise SeatlineError("unknown_template", f"no e-mail template {template_key!r}", field="template_key")
    spec = catalog.SPECS[template_key]
    missing = [variable.name for variable in spec.variables if variable.name not in context]
    if missing:
        raise SeatlineError(
            "missing_context",
            f"the {template_key} e-mail needs the variable(s) {', '.join(missing)}",
            field="context",
        )
    with transaction.atomic():
        template = template_for(template_key)
        if not template.active:
            raise SeatlineError(
                "template_inactive", f"the e-mail template {spec.name!r} is inactive", field="template_key"
            )
        tag = language or (to_account.language if to_account is not None else DEFAULT_LANGUAGE)
        lists = {
            name: resolve_recipients(
                getattr(template, name), account=to_account, given=to, primary=primary_contact
            )
            for name in ("to", "cc", "bcc")
        }
        if not lists["to"]:
            where = f"account {to_account}" if to_account is not None else "the e-mail"
            raise SeatlineError(
                "no_recipient",
                f"nobody to send the {spec.name.lower()} e-mail to: {where} has no billing contact "
                "with an e-mail address",
                field="to_account" if to_account is not None else "to",
            )
        try:
            with translation.override(text_language(tag)):
                subject = rendering.render_subject(template.subject, context)
                text_body = rendering.render(template.text_body, context, field="text_body")
                html_body = (
                    rendering.render(template.html_body, context, field="html_body", html=True)
                    if template.html_body.strip()
                    else ""
                )
        except rendering.TemplateRenderError as exc:
            raise SeatlineError(
                "template_error", f"the {spec.name} template fails: {exc}", field="template_key"
            ) from exc
        email = OutgoingEmail(
            template_key=template_key,
            trigger=trigger,
            account=to_account,
            language=tag,
            from_email=settings.DEFAULT_FROM_EMAIL,
            subject=subject,
            text_body=text_body,
            html_body=html_body,
            attachments=[asdict(attachment) for attachment in attachments],
            message_id=new_message_id(),
            created_at=clock.now(),
            **lists,
        )
        if related is not None:
            email.content_type = ContentType.objects.get_for_model(related)
            email.object_id = str(related.pk)
        email.save()
        email.job = enqueue("send_email", parameters={"email_id": email.pk}, related=email)
        email.save(update_fields=["job"])
    return email


def resend(*, email: OutgoingEmail) -> OutgoingEmail:
    """Send a logged e-mail again, as it was (same content and recipients, a new Message-ID).

    Refused (`email_not_finished`) while the e-mail is still queued or being sent: resending it
    then would deliver it twice."""
    if email.status in (EmailStatus.QUEUED, EmailStatus.SENDING):
        raise SeatlineError(
            "email_not_finished",
            f"the e-mail {email.message_id} is still {email.get_status_display().lower()}: "
            "resend it once it is sent, failed or unconfirmed",
            field="email",
        )
    with transaction.atomic():
        copy = OutgoingEmail(
            template_key=email.template_key,
            trigger=EmailTrigger.RESEND,
            account_id=email.account_id,
            content_type_id=email.content_type_id,
            object_id=email.object_id,
            language=email.language,
            from_email=email.from_email,
            to=list(email.to),
            cc=list(email.cc),
            bcc=list(email.bcc),
            subject=email.subject,
            text_body=email.text_body,
            html_body=email.html_body,
            attachments=list(email.attachments),
            message_id=new_message_id(),
            resend_of=email,
            created_at=clock.now(),
            status=EmailStatus.QUEUED,
        )
        copy.save()
        copy.job = enqueue("send_email", parameters={"email_id": copy.pk}, related=copy)
        copy.save(update_fields=["job"])
    return copy


def new_message_id() -> str:
    """A unique Message-ID short enough to stay on one header line: <32 hex digits@sender domain>."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(">") or "seatline.invalid"
    return f"<{uuid.uuid4().hex}@{domain}>"


def emails_for(obj: models.Model) -> models.QuerySet[OutgoingEmail]:
    """The e-mails logged for an object (e.g. an invoice), newest first."""
    content_type = ContentType.objects.get_for_model(obj)
    return OutgoingEmail.objects.filter(content_type=content_type, object_id=str(obj.pk)).order_by("-id")
