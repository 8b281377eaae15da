# SPDX-License-Identifier: AGPL-3.0-or-later
"""The PDFs as a reader sees them: text extracted with pypdf, written the account's way."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from seatline import clock
from seatline.audit.models import AuditEvent
from seatline.documents import services
from seatline.documents.models import CompanyProfile, DocumentFile
from seatline.documents.tests import factories as f
from seatline.errors import SeatlineError
from seatline.invoicing.services import create_credit_note
from seatline.jobs.models import Job
from seatline.jobs.services import enqueue
from seatline.jobs.worker import Worker

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2024, 1, 2, 6, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen(NOW):
        yield


def lines_of(data: bytes) -> list[str]:
    """Every text line of the PDF, a no-break space read as a space."""
    return [line.strip() for page in f.pdf_pages(data) for line in page.replace("\xa0", " ").splitlines()]


def assert_in_order(lines: list[str], expected: list[str]) -> None:
    position = 0
    for wanted in expected:
        assert wanted in lines[position:], f"{wanted!r} missing after line {position}: {lines[position:]}"
        position = lines.index(wanted, position) + 1


def stored_pdf(invoice) -> bytes:
    Worker("test").run_until_idle()
    document = DocumentFile.objects.get(invoice=invoice)
    return services.document_bytes(document=document)


def test_an_english_invoice_shows_number_dates_every_line_taxes_and_totals_as_en_us_writes_them():
    invoice = f.issued_invoice(f.contract(f.account("en-US", currency="USD")))
    lines = lines_of(stored_pdf(invoice))
    assert_in_order(
        lines,
        [
            "Contoso Cloud Partner Ltd",
            "VAT ID: US-99-1234567",
            "Invoice",
            "Bill to",
            "Wingtip Toys",
            "Invoice number",
            "INV-000001",
            "Invoice date",
            "Jan 1, 2024",
            "Due date",
            "Jan 31, 2024",
            "Billing period",
            "Jan 1, 2024 – Jan 31, 2024",
            "Description",
            "Period",
            "Quantity",
            "Unit price",
            "Amount",
            "Microsoft 365 Business Premium",
            "Jan 1, 2024 – Jan 31, 2024",
            "10",
            "$22.00",
            "$220.00",
            "Microsoft 365 E3",
            "25",
            "$36.00",
            "$900.00",
            "Exchange Online (Plan 1)",
            "Proration",
            "Jan 17, 2024 – Jan 31, 2024",
            "3",
            "$4.00",
            "$6.45",
            "Onboarding workshop",
            "One-time charge",
            "1",
            "$108.11",
            "$108.11",
            "Subtotal",
            "$1,234.56",
            "State 5%",
            "$61.73",
            "County 2.5%",
            "$30.86",
            "Total",
            "$1,327.15",
            "Balance due",
            "$1,327.15",
            "Payment instructions",
            "Please pay $1,327.15 by Jan 31, 2024, quoting INV-000001.",
            "Page 1 of 1",
        ],
    )


def test_a_german_invoice_is_in_german_with_german_numbers_dates_and_euros():
    owner = f.account("de-DE", name="Fabrikam GmbH", currency="EUR", country="DE")
    invoice = f.issued_invoice(f.contract(owner), taxes=(("USt", "19", "234.57"),))
    lines = lines_of(stored_pdf(invoice))
    assert_in_order(
        lines,
        [
            "USt-IdNr.: US-99-1234567",
            "Rechnung",
            "Rechnungsempfänger",
            "Fabrikam GmbH",
            "Rechnungsnummer",
            "INV-000001",
            "Rechnungsdatum",
            "01.01.2024",
            "Fälligkeitsdatum",
            "31.01.2024",
            "Abrechnungszeitraum",
            "01.01.2024 – 31.01.2024",
            "Beschreibung",
            "Zeitraum",
            "Menge",
            "Einzelpreis",
            "Betrag",
            "Microsoft 365 Business Premium",
            "10",
            "22,00 €",
            "220,00 €",
            "Microsoft 365 E3",
            "25",
            "36,00 €",
            "900,00 €",
            "Exchange Online (Plan 1)",
            "Anteilige Berechnung",
            "17.01.2024 – 31.01.2024",
            "4,00 €",
            "6,45 €",
            "Onboarding workshop",
            "Einmalige Gebühr",
            "108,11 €",
            "108,11 €",
            "Zwischensumme",
            "1.234,56 €",
            "USt 19 %",
            "234,57 €",
            "Gesamtbetrag",
            "1.469,13 €",
            "Offener Betrag",
            "1.469,13 €",
            "Zahlungshinweise",
            "Bitte zahlen Sie 1.469,13 € bis zum 31.01.2024 unter Angabe von INV-000001.",
            "Seite 1 von 1",
        ],
    )
    assert DocumentFile.objects.get(invoice=invoice).language == "de-DE"


def test_a_500_line_invoice_paginates_with_the_table_header_and_page_numbers_on_every_page():
    many = tuple(
        f.Line(f"Licence {n:03d}", "1", "2.00", "2.00", type="proration" if n % 7 == 0 else "recurring")
        for n in range(1, 501)
    )
    invoice = f.issued_invoice(f.contract(f.account("en-US")), lines=many, taxes=(("State", "5", "50.00"),))
    data = stored_pdf(invoice)
    pages = [page.replace("\xa0", " ").splitlines() for page in f.pdf_pages(data)]
    count = len(pages)
    assert count >= 10
    assert DocumentFile.objects.get(invoice=invoice).pages == count
    header = ["Description", "Period", "Quantity", "Unit price", "Amount"]
    for number, page in enumerate(pages, start=1):
        assert_in_order(page, header)
        assert [line for line in page if line.startswith("Page ")] == [f"Page {number} of {count}"]
        assert ("Invoice INV-000001 (continued)" in page) == (number > 1)
    descriptions = [line for page in pages for line in page if line.startswith("Licence ")]
    assert descriptions == [f"Licence {n:03d}" for n in range(1, 501)]  # each once, in order
    assert_in_order(pages[-1], ["Subtotal", "$1,000.00", "State 5%", "$50.00", "Total", "$1,050.00"])


def test_a_credit_note_names_the_invoice_it_corrects():
    invoice = f.issued_invoice(f.contract(f.account("en-US")))
    note = create_credit_note(invoice=invoice, reason="wrong seats")
    lines = lines_of(stored_pdf(note))
    assert_in_order(
        lines,
        [
            "Credit note",
            "Credit note number",
            "CN-000001",
            "Credit note date",
            "Jan 2, 2024",
            "Corrects invoice",
            "INV-000001",
            "Microsoft 365 E3",
            "-25",
            "$36.00",
            "-$900.00",
            "Subtotal",
            "-$1,234.56",
            "Total",
            "-$1,327.15",
            "Amount credited",
            "$1,327.15",
            "Refund",
            "This credit note corrects invoice INV-000001 of Jan 1, 2024.",
            "The amount of $1,327.15 is refunded or set off against your open invoices.",
        ],
    )
    assert "Due date" not in lines


def test_the_pdf_is_rendered_once_and_every_download_returns_the_same_bytes():
    invoice = f.issued_invoice(f.contract(f.account("en-US")))
    first = stored_pdf(invoice)
    document = DocumentFile.objects.get(invoice=invoice)
    assert document.file.name == f"documents/invoice/2024/INV-000001-{document.sha256[:16]}.pdf"
    assert (document.size, document.renderer) == (len(first), "seatline-pdf-1")
    # rendering again gives the same bytes (deterministic), and the job keeps what is stored
    assert services.render(invoice).data == first
    again = enqueue("create_pdf", parameters={"invoice_id": invoice.pk}, related=invoice)
    Worker("test").run_until_idle()
    again.refresh_from_db()
    assert (again.status, again.results["kept_existing"], again.results["sha256"]) == (
        "succeeded",
        True,
        document.sha256,
    )
    assert services.pdf_for_download(invoice=invoice) == (first, "INV-000001.pdf")
    assert DocumentFile.objects.count() == 1
    assert AuditEvent.objects.filter(action="pdf_rendered", object_id=str(invoice.pk)).count() == 1
    assert first.startswith(b"%PDF-1.")
    assert b"/CreationDate (D:20240102060000+00'00')" in first


def test_a_stored_pdf_that_changed_is_refused_rather_than_handed_out():
    invoice = f.issued_invoice(f.contract(f.account("en-US")))
    stored_pdf(invoice)
    document = DocumentFile.objects.get(invoice=invoice)
    with default_storage.open(document.file.name, "wb") as handle:
        handle.write(b"%PDF-1.4 something else")
    with pytest.raises(SeatlineError) as refused:
        services.document_bytes(document=document)
    assert refused.value.code == "document_corrupt"


def test_a_draft_has_a_preview_marked_draft_and_no_stored_pdf():
    invoice = f.issued_invoice(f.contract(f.account("en-US")), issue=False)
    data, name = services.pdf_for_download(invoice=invoice)
    lines = lines_of(data)
    assert name == f"draft-{invoice.pk}.pdf"
    assert "DRAFT" in lines and "Draft" in lines  # watermark and number
    assert DocumentFile.objects.count() == 0
    with pytest.raises(SeatlineError) as refused:
        services.render_document(invoice=invoice)
    assert refused.value.code == "invoice_not_issued"
    assert Job.objects.filter(job_type="create_pdf").count() == 0


def test_names_outside_western_european_text_use_an_embedded_unicode_font():
    owner = f.account("pl-PL", name="Łukasz Ćwikła Sp. z o.o.", currency="PLN")
    invoice = f.issued_invoice(f.contract(owner), taxes=(("VAT", "23", "283.95"),))
    data = stored_pdf(invoice)
    lines = lines_of(data)
    assert "Łukasz Ćwikła Sp. z o.o." in lines
    assert_in_order(lines, ["Subtotal", "1 234,56 zł", "VAT 23%", "283,95 zł"])  # pl-PL, English texts
    assert b"/FontFile2" in data  # an embedded TrueType subset
    plain = stored_pdf(f.issued_invoice(f.contract(f.account("en-US", name="Plain Co"))))
    assert b"/FontFile2" not in plain and b"/Helvetica" in plain


def test_a_discount_column_appears_when_a_line_has_a_discount():
    lines = (f.Line("Microsoft 365 E3", "10", "36.00", "360.00", discount="36.00"),)
    invoice = f.issued_invoice(f.contract(f.account("en-US")), lines=lines, taxes=())
    text = lines_of(stored_pdf(invoice))
    assert_in_order(
        text, ["Discount", "Amount", "Microsoft 365 E3", "$36.00", "$36.00", "$324.00", "Subtotal", "$324.00"]
    )


def test_the_letterhead_logo_bank_details_notes_and_footer_are_printed(tmp_path):
    image = io.BytesIO()
    Image.new("RGB", (300, 100), (20, 90, 160)).save(image, format="PNG")
    profile = CompanyProfile(
        registration_id="HRB 12345",
        email="billing@contoso.example",
        bank_name="Contoso Bank",
        bank_account_holder="Contoso Cloud Partner Ltd",
        iban="DE89 3704 0044 0532 0130 00",
        bic="COBADEFFXXX",
        payment_instructions="Payment by bank transfer only.",
        invoice_notes="Reverse charge: the customer accounts for the VAT.",
        footer_text="Contoso Cloud Partner Ltd · Managing director: Ada Lee",
    )
    from django.core.files.base import ContentFile

    profile.logo.save("logo.png", ContentFile(image.getvalue()), save=False)
    profile.save()
    invoice = f.issued_invoice(f.contract(f.account("en-US")))
    data = stored_pdf(invoice)
    lines = lines_of(data)
    assert_in_order(
        lines,
        [
            "Registration: HRB 12345",
            "billing@contoso.example",
            "Payment instructions",
            "Please pay $1,327.15 by Jan 31, 2024, quoting INV-000001.",
            "Payment by bank transfer only.",
            "Bank: Contoso Bank",
            "Account holder: Contoso Cloud Partner Ltd",
            "IBAN: DE89 3704 0044 0532 0130 00",
            "BIC: COBADEFFXXX",
            "Notes",
            "Reverse charge: the customer accounts for the VAT.",
            "Contoso Cloud Partner Ltd · Managing director: Ada Lee",
        ],
    )
    assert b"/Subtype /Image" in data
