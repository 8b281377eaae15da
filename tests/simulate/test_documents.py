# SPDX-License-Identifier: AGPL-3.0-or-later
"""`seatline simulate FILE --documents DIR --outbox DIR`: one PDF per issued document whose
numbers and totals are the JSON output's, and the e-mails the run sent as .eml files."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from email import message_from_bytes, policy

from pypdf import PdfReader

from seatline.documents.formatting import Formatter
from tests.simulate.test_cli import simulate

SCENARIO = """\
currency: EUR
tax_rate_groups:
  - {id: de, country: DE, region: BE, rates: [{name: USt, percent: 19}]}
accounts:
  - {id: fabrikam, name: Fabrikam GmbH, country: DE, region: BE, language: de-DE, email: billing@fabrikam.example}
  - {id: wingtip, name: Wingtip Toys, country: US, region: CA}
contracts:
  - {id: fab, account: fabrikam, frequency: monthly, start: 2024-01-01, auto_send: true}
  - {id: wt, account: wingtip, frequency: monthly, start: 2024-01-01}
subscriptions:
  - {id: m365, contract: fab, product: Microsoft 365 Business Premium, quantity: 10, price: "22.00", start: 2024-01-01}
  - {id: e3, contract: wt, product: Microsoft 365 E3, quantity: 3, price: "1234.50", start: 2024-01-10}
events:
  - {date: 2024-02-10, change_quantity: {subscription: m365, quantity: 12}}
run: {from: 2024-01-01, to: 2024-03-05}
"""


def pdf_lines(data: bytes) -> list[str]:
    pages = PdfReader(io.BytesIO(data)).pages
    return [line.strip() for page in pages for line in page.extract_text().replace("\xa0", " ").splitlines()]


def value_after(lines: list[str], label: str) -> str:
    return lines[lines.index(label) + 1]


def test_documents_and_outbox_hold_one_pdf_per_document_with_the_json_totals(tmp_path):
    documents, outbox = tmp_path / "pdf", tmp_path / "mail"
    result = simulate(tmp_path, SCENARIO, "--documents", str(documents), "--outbox", str(outbox))
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    invoices = output["invoices"]
    assert len(invoices) >= 6 and any(invoice["taxes"] for invoice in invoices)
    assert sorted(path.name for path in documents.iterdir()) == [
        f"{n:03d}.pdf" for n in range(1, len(invoices) + 1)
    ]
    german, english = Formatter("de-DE"), Formatter("en-US")
    for invoice in invoices:
        lines = pdf_lines((documents / f"{invoice['seq']:03d}.pdf").read_bytes())
        fab = invoice["contract"] == "fab"
        fmt = german if fab else english

        def money(amount: str, fmt: Formatter = fmt) -> str:
            return fmt.money(Decimal(amount), "EUR").replace("\xa0", " ")

        labels = (
            ("Rechnungsnummer", "Zwischensumme", "Gesamtbetrag")
            if fab
            else ("Invoice number", "Subtotal", "Total")
        )
        assert value_after(lines, labels[0]) == invoice["number"]
        assert value_after(lines, labels[1]) == money(invoice["subtotal"])
        assert value_after(lines, labels[2]) == money(invoice["total"])
        for tax in invoice["taxes"]:
            assert value_after(
                lines, f"{tax['name']} {fmt.percent(Decimal(tax['percent']))}".replace("\xa0", " ")
            ) == money(tax["amount"])
        line_amounts = [money(line["amount"]) for line in invoice["lines"]]
        assert all(amount in lines for amount in line_amounts)
    # e-mail: only the auto-send contract's documents, in sending order, each with its PDF
    fab_invoices = [invoice for invoice in invoices if invoice["contract"] == "fab"]
    emails = sorted(outbox.iterdir())
    assert [path.name for path in emails] == [
        f"{n:03d}-invoice_issued.eml" for n in range(1, len(fab_invoices) + 1)
    ]
    for path, invoice in zip(emails, fab_invoices, strict=True):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert message["To"] == "billing@fabrikam.example"
        assert message["Subject"] == f"Rechnung {invoice['number']} von Seatline Demo Partner"
        (attachment,) = list(message.iter_attachments())
        assert attachment.get_filename() == f"{invoice['number']}.pdf"
        assert attachment.get_content() == (documents / f"{invoice['seq']:03d}.pdf").read_bytes()


def test_auto_send_without_an_account_email_is_a_malformed_file(tmp_path):
    text = SCENARIO.replace(", email: billing@fabrikam.example", "")
    result = simulate(tmp_path, text)
    assert result.returncode == 2
    assert result.stderr == (
        "scenario.yaml: line 8: contracts[0].auto_send: auto_send needs an email on account 'fabrikam' "
        "(its billing contact)\n"
    )


def test_a_language_babel_does_not_know_is_a_malformed_file(tmp_path):
    result = simulate(tmp_path, SCENARIO.replace("language: de-DE", "language: xx-QQ"))
    assert result.returncode == 2
    assert "accounts[0].language: 'xx-QQ' is not a language tag Babel knows" in result.stderr
