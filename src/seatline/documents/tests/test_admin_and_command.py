# SPDX-License-Identifier: AGPL-3.0-or-later
"""The invoice page (PDF download, preview, Send, e-mail log), the letterhead page, the e-mail log's
Resend, and `seatline invoice pdf|send`."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from seatline import clock
from seatline.configuration.models import Configuration
from seatline.documents import services
from seatline.documents.models import CompanyProfile, DocumentFile
from seatline.documents.tests import factories as f
from seatline.jobs.worker import Worker
from seatline.notifications.models import EmailStatus, OutgoingEmail

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen(dt.datetime(2024, 1, 2, 6, 0, tzinfo=dt.UTC)):
        yield


@pytest.fixture
def staff_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("admin", "admin@example.invalid", "pw"))
    return client


@pytest.fixture
def invoice():
    owner = f.account("en-US")
    f.billing_contact(owner, "ap@wingtip.example", primary=True)
    return f.issued_invoice(f.contract(owner))


def test_the_invoice_page_offers_the_pdf_a_preview_and_send(staff_client, invoice):
    page = staff_client.get(reverse("admin:invoicing_invoice_change", args=[invoice.pk])).content.decode()
    download = reverse("admin:invoicing_invoice_pdf", args=[invoice.pk])
    inline = reverse("admin:invoicing_invoice_pdf_inline", args=[invoice.pk])
    assert f'href="{download}">Download PDF</a>' in page
    assert f'<iframe src="{inline}" title="PDF preview"' in page
    assert "Not rendered yet" in page
    assert (
        reverse("admin:invoicing_invoice_do_send", args=[invoice.pk]).replace("/do/send/", "/go-send/")
        in page
    )
    response = staff_client.get(download)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="INV-000001.pdf"'
    stored = DocumentFile.objects.get(invoice=invoice)  # the first download rendered and stored it
    assert response.content == services.document_bytes(document=stored)
    preview = staff_client.get(inline)
    assert preview["Content-Disposition"] == 'inline; filename="INV-000001.pdf"'
    assert preview.content == response.content
    page = staff_client.get(reverse("admin:invoicing_invoice_change", args=[invoice.pk])).content.decode()
    assert f"SHA-256 <code>{stored.sha256}</code>" in page


def test_send_from_the_invoice_page_queues_the_email_and_shows_it_in_the_log(staff_client, invoice):
    url = reverse("admin:invoicing_invoice_do_send", args=[invoice.pk])
    page = staff_client.get(url).content.decode()
    assert "ap@wingtip.example" in page and "Invoice issued" in page
    response = staff_client.post(url, {"apply": "1"})
    assert response.status_code == 302
    Worker("test").run_until_idle()
    (message,) = mail.outbox
    assert message.to == ["ap@wingtip.example"] and message.attachments[0][0] == "INV-000001.pdf"
    email = OutgoingEmail.objects.get()
    assert (email.status, email.trigger) == (EmailStatus.SENT, "manual")
    page = staff_client.get(reverse("admin:invoicing_invoice_change", args=[invoice.pk])).content.decode()
    assert "E-mails about this document" in page and email.message_id.strip("<>") in page


def test_send_without_a_billing_contact_is_refused_on_the_form(staff_client):
    invoice = f.issued_invoice(f.contract(f.account("en-US", name="No Contact Ltd")))
    response = staff_client.post(
        reverse("admin:invoicing_invoice_do_send", args=[invoice.pk]), {"apply": "1"}
    )
    assert response.status_code == 200
    assert "has no billing contact with an e-mail address (no_recipient)" in response.content.decode()
    assert OutgoingEmail.objects.count() == 0


def test_resend_from_the_email_log(staff_client, invoice):
    email = services.send_document(invoice=invoice)
    Worker("test").run_until_idle()
    url = reverse("admin:notifications_outgoingemail_do_resend", args=[email.pk])
    assert "ap@wingtip.example" in staff_client.get(url).content.decode()
    assert staff_client.post(url, {"apply": "1"}).status_code == 302
    Worker("test").run_until_idle()
    copy = OutgoingEmail.objects.exclude(pk=email.pk).get()
    assert (copy.resend_of, copy.status, len(mail.outbox)) == (email, EmailStatus.SENT, 2)


def test_the_letterhead_page_edits_the_profile_and_the_seller_details(staff_client):
    assert staff_client.get(reverse("admin:documents_companyprofile_changelist")).url == reverse(
        "admin:documents_companyprofile_add"
    )
    response = staff_client.post(
        reverse("admin:documents_companyprofile_add"),
        {
            "legal_name": "Contoso Cloud Partner GmbH",
            "address": "Hauptstraße 1\n10115 Berlin",
            "tax_id": "DE123456789",
            "registration_id": "HRB 1",
            "iban": "DE89 3704 0044 0532 0130 00",
            "footer_text": "Geschäftsführerin: Ada Lee",
        },
    )
    assert response.status_code == 302
    config = Configuration.get()
    assert (config.seller_name, config.seller_address, config.seller_tax_id) == (
        "Contoso Cloud Partner GmbH",
        "Hauptstraße 1\n10115 Berlin",
        "DE123456789",
    )
    assert CompanyProfile.get().iban == "DE89 3704 0044 0532 0130 00"
    assert staff_client.get(reverse("admin:documents_companyprofile_changelist")).url == reverse(
        "admin:documents_companyprofile_change", args=[1]
    )
    bad_logo = staff_client.post(
        reverse("admin:documents_companyprofile_change", args=[1]),
        {"legal_name": "X", "logo": _upload("logo.png", b"not an image")},
    )
    assert "The logo is not an image Seatline can read." in bad_logo.content.decode()


def _upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="image/png")


def test_invoice_pdf_command_writes_the_stored_bytes(invoice, tmp_path, capsys):
    target = tmp_path / "out.pdf"
    call_command("invoice", "pdf", "INV-000001", "-o", str(target))
    assert target.read_bytes() == services.document_bytes(document=DocumentFile.objects.get(invoice=invoice))
    assert capsys.readouterr().out == f"INV-000001: {target.stat().st_size} bytes written to {target}\n"
    with pytest.raises(CommandError, match="no document 'INV-999999'"):
        call_command("invoice", "pdf", "INV-999999")


def test_invoice_send_command_sends_now(invoice, capsys):
    call_command("invoice", "send", "INV-000001")
    email = OutgoingEmail.objects.get()
    assert (
        capsys.readouterr().out == f"INV-000001: sent to ap@wingtip.example (Message-ID {email.message_id})\n"
    )
    assert [message.to for message in mail.outbox] == [["ap@wingtip.example"]]


def test_invoice_send_command_reports_a_refusal(capsys):
    f.issued_invoice(f.contract(f.account("en-US", name="No Contact Ltd")))
    with pytest.raises(CommandError, match=r"\[no_recipient\] nobody to send the invoice issued e-mail to"):
        call_command("invoice", "send", "INV-000001")
