# SPDX-License-Identifier: AGPL-3.0-or-later
"""The invoice page reads like the invoice: no edit controls, money in the currency's format,
warnings only when there are any, the audit trail in sentences."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from seatline.documents.tests import factories

pytestmark = pytest.mark.django_db


def test_an_issued_invoice_page_is_the_document_without_save(admin_client: Client) -> None:
    invoice = factories.issued_invoice(factories.contract(factories.account()))
    page = admin_client.get(reverse("admin:invoicing_invoice_change", args=[invoice.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="invoice-document"' in html
    assert "Bill to" in html and "Wingtip Toys" in html
    assert "$220.00" in html  # a line, formatted by Babel, never 220.0000
    assert "220.0000" not in html
    assert "Balance due" in html
    assert 'name="_save"' not in html  # no Save on an issued document
    assert "Warnings" not in html  # none on this invoice
    assert page.context["has_change_permission"] is False
    assert (
        admin_client.post(reverse("admin:invoicing_invoice_change", args=[invoice.pk]), {}).status_code == 403
    )


def test_warnings_show_when_there_are_some(admin_client: Client) -> None:
    invoice = factories.issued_invoice(factories.contract(factories.account()))
    type(invoice).objects.filter(pk=invoice.pk).update(warnings=["tax rate missing for region XX"])
    html = admin_client.get(reverse("admin:invoicing_invoice_change", args=[invoice.pk])).content.decode()
    assert "tax rate missing for region XX" in html


def test_the_audit_trail_is_written_in_sentences() -> None:
    from seatline.common.admin import _changes_sentence

    assert _changes_sentence({"quantity": (5, 7), "price": (None, "10.00"), "note": ("old", "")}) == (
        "Quantity changed from 5 to 7; price set to 10.00; note cleared (was old)."
    )
