# SPDX-License-Identifier: AGPL-3.0-or-later
"""Sending through a real SMTP server on loopback: recipients, the attachment, refusals retried by
the job rules, and at most one accepted message per e-mail whatever fails."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator

import pytest
from django.db import DatabaseError

from seatline import clock
from seatline.documents import services as documents
from seatline.documents.models import DocumentFile
from seatline.documents.tests import factories as f
from seatline.jobs.models import Job, JobStatus
from seatline.jobs.worker import Worker
from seatline.notifications import delivery
from seatline.notifications.models import EmailStatus, OutgoingEmail
from seatline.notifications.services import resend
from seatline.notifications.tests.smtp import Mailbox, smtp_server

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2024, 1, 2, 6, 0, tzinfo=dt.UTC)


@pytest.fixture
def moving() -> Iterator[clock.MovableClock]:
    movable = clock.MovableClock(T0)
    with clock.process_clock(movable):
        yield movable


@pytest.fixture
def mailbox(settings) -> Iterator[Mailbox]:
    with smtp_server(settings) as box:
        yield box


def auto_send_invoice(language: str = "en-US", currency: str = "USD"):
    owner = f.account(language, name="Fabrikam GmbH", currency=currency)
    f.billing_contact(owner, "ap@fabrikam.example", primary=True)
    f.billing_contact(owner, "controller@fabrikam.example", first_name="Bo")
    owner.contacts.create(first_name="Tech", last_name="Only", email="it@fabrikam.example", role="technical")
    return f.issued_invoice(f.contract(owner, auto_send=True))


def email_of(invoice) -> OutgoingEmail:
    return OutgoingEmail.objects.get(object_id=str(invoice.pk), content_type__model="invoice")


def test_an_auto_send_invoice_reaches_its_billing_contacts_with_the_stored_pdf_attached(
    mailbox, moving, settings
):
    invoice = auto_send_invoice()
    assert Worker("test").run_until_idle() == 2  # create_pdf, then the send_email it queued
    stored = documents.document_bytes(document=DocumentFile.objects.get(invoice=invoice))
    (received,) = mailbox.accepted
    assert received.mail_from == settings.DEFAULT_FROM_EMAIL
    assert received.rcpt_tos == ["ap@fabrikam.example", "controller@fabrikam.example"]
    message = received.message
    email = email_of(invoice)
    assert message["Subject"] == "Invoice INV-000001 from Contoso Cloud Partner Ltd"
    assert message["To"] == "ap@fabrikam.example, controller@fabrikam.example"
    assert message["Message-ID"] == email.message_id
    (attachment,) = list(message.iter_attachments())
    assert (attachment.get_filename(), attachment.get_content_type()) == ("INV-000001.pdf", "application/pdf")
    assert attachment.get_content() == stored
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Please find attached invoice INV-000001 of Jan 1, 2024." in text
    assert "Balance due: $1,327.15, payable by Jan 31, 2024." in text
    assert "Pay online" not in text  # no payment processor offers a PayNow link yet
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "<p>Hello Fabrikam GmbH,</p>" in html
    assert (email.status, email.attempts, email.error, email.trigger) == (EmailStatus.SENT, 1, "", "auto")
    assert email.sent_at == T0
    assert email.job is not None and email.job.status == JobStatus.SUCCEEDED


def test_a_german_account_gets_a_german_email(mailbox, moving):
    invoice = auto_send_invoice("de-DE", "EUR")
    Worker("test").run_until_idle()
    message = mailbox.accepted[0].message
    assert message["Subject"] == "Rechnung INV-000001 von Contoso Cloud Partner Ltd"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Guten Tag Fabrikam GmbH," in text
    assert "anbei erhalten Sie die Rechnung INV-000001 vom 01.01.2024." in text
    assert "Offener Betrag: 1.327,15\xa0€, zahlbar bis 31.01.2024." in text
    assert "Mit freundlichen Grüßen" in text
    assert email_of(invoice).language == "de-DE"


def test_a_4xx_reply_is_retried_by_the_job_rules_then_shows_failed_with_the_server_reply(mailbox, moving):
    mailbox.data_replies = ["451 4.3.0 Mailbox temporarily unavailable"] * 10
    invoice = auto_send_invoice()
    worker = Worker("test")
    worker.run_until_idle()
    email = email_of(invoice)
    job = Job.objects.get(pk=email.job_id)
    for attempt in range(1, 7):
        job.refresh_from_db()
        email.refresh_from_db()
        assert job.attempts == attempt
        assert email.error == "451 4.3.0 Mailbox temporarily unavailable"
        if attempt < 6:
            assert (job.status, email.status) == (JobStatus.RETRY, EmailStatus.QUEUED)
            moving.advance(dt.timedelta(hours=1))
            assert worker.run_until_idle() == 1
    assert (job.status, email.status, email.attempts) == (JobStatus.FAILED, EmailStatus.FAILED, 6)
    assert job.error == "SmtpRefused: 451 4.3.0 Mailbox temporarily unavailable"
    assert mailbox.data_commands == 6 and mailbox.accepted == []


def test_a_5xx_reply_is_retried_and_the_next_try_is_delivered_once(mailbox, moving):
    mailbox.data_replies = ["554 5.7.1 Message rejected: spam score"]
    invoice = auto_send_invoice()
    worker = Worker("test")
    worker.run_until_idle()
    email = email_of(invoice)
    assert (email.status, email.error) == (EmailStatus.QUEUED, "554 5.7.1 Message rejected: spam score")
    moving.advance(dt.timedelta(seconds=30))
    assert worker.run_until_idle() == 1
    email.refresh_from_db()
    assert (email.status, email.attempts, email.error) == (EmailStatus.SENT, 2, "")
    assert len(mailbox.accepted) == 1 and mailbox.data_commands == 2


def test_a_refused_recipient_is_reported_with_the_server_reply(mailbox, moving):
    mailbox.refuse_rcpt = {"ap@fabrikam.example", "controller@fabrikam.example"}
    invoice = auto_send_invoice()
    Worker("test").run_until_idle()
    email = email_of(invoice)
    assert email.status == EmailStatus.QUEUED
    assert email.error == (
        "ap@fabrikam.example: 550 5.1.1 <ap@fabrikam.example>: Recipient address rejected: User unknown; "
        "controller@fabrikam.example: 550 5.1.1 <controller@fabrikam.example>: Recipient address rejected: "
        "User unknown"
    )


def test_an_unreachable_server_is_retried(settings, moving):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    invoice = auto_send_invoice()
    Worker("test").run_until_idle()
    email = email_of(invoice)
    assert email.status == EmailStatus.QUEUED
    assert email.error.startswith("could not reach the mail server: ConnectionRefusedError")
    assert Job.objects.get(pk=email.job_id).status == JobStatus.RETRY


def test_a_crash_after_the_server_accepted_never_sends_the_message_again(mailbox, moving, monkeypatch):
    invoice = auto_send_invoice()
    real_set = delivery._set

    def database_lost_after_send(email, status, **values):
        if status == EmailStatus.SENT:
            raise DatabaseError("server closed the connection unexpectedly")
        real_set(email, status, **values)

    monkeypatch.setattr(delivery, "_set", database_lost_after_send)
    worker = Worker("test")
    worker.run_until_idle()
    email = email_of(invoice)
    assert len(mailbox.accepted) == 1  # the server has it
    assert email.status == EmailStatus.SENDING  # but "sent" was never recorded
    monkeypatch.setattr(delivery, "_set", real_set)
    moving.advance(dt.timedelta(minutes=5))
    assert worker.run_until_idle() == 1  # the job's retry
    email.refresh_from_db()
    job = Job.objects.get(pk=email.job_id)
    assert email.status == EmailStatus.UNCONFIRMED
    assert "the server may have accepted it" in email.error
    assert job.status == JobStatus.FAILED and "stopped during the SMTP conversation" in job.error
    assert len(mailbox.accepted) == 1  # not sent a second time
    # a person checks, then resends deliberately: a new e-mail with a new Message-ID
    copy = resend(email=email)
    worker.run_until_idle()
    copy.refresh_from_db()
    assert (copy.status, copy.resend_of_id, copy.trigger) == (EmailStatus.SENT, email.pk, "resend")
    assert copy.message_id != email.message_id
    assert [r.message["Message-ID"] for r in mailbox.accepted] == [email.message_id, copy.message_id]


def test_a_job_that_runs_again_after_success_sends_nothing(mailbox, moving):
    invoice = auto_send_invoice()
    Worker("test").run_until_idle()
    email = email_of(invoice)
    with pytest.raises(delivery.AlreadySent):
        delivery.deliver(email.pk)
    assert len(mailbox.accepted) == 1


def test_manual_send_of_a_document_whose_contract_does_not_auto_send(mailbox, moving):
    owner = f.account("en-US")
    f.billing_contact(owner, "ap@wingtip.example", primary=True)
    invoice = f.issued_invoice(f.contract(owner))
    Worker("test").run_until_idle()
    assert mailbox.accepted == [] and OutgoingEmail.objects.count() == 0  # no auto-send
    documents.send_document(invoice=invoice)
    Worker("test").run_until_idle()
    (received,) = mailbox.accepted
    assert received.rcpt_tos == ["ap@wingtip.example"]
    assert email_of(invoice).trigger == "manual"
