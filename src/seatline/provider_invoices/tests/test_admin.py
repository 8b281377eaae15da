# SPDX-License-Identifier: AGPL-3.0-or-later
"""Back office: import form, invoice detail with its files and lines, deactivate, templates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse

from seatline.provider_invoices import services
from seatline.provider_invoices.models import MappingTemplate, ProviderInvoice
from seatline.provider_invoices.tests.support import NCE_HEADER, csv_file, nce_row, provider

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:provider_invoices_providerinvoice_changelist"


def test_import_form_creates_the_invoice_and_shows_its_outcome(admin_client, tmp_path: Path) -> None:
    on = provider()
    template = MappingTemplate.objects.get(key="microsoft_nce_reconciliation")
    path = csv_file(tmp_path / "jan.csv", NCE_HEADER, [nce_row(), nce_row(Total="x")])
    url = reverse(CHANGELIST) + "import-file/"
    assert admin_client.get(url).status_code == 200
    data = {
        "provider": on.pk,
        "template": template.pk,
        "number": "G42",
        "period_start": "2024-01-01",
        "period_end": "2024-01-31",
        "total": "120",
        "tax": "0",
        "override_tolerance": "0",
    }
    with path.open("rb") as handle:
        refused = admin_client.post(url, {**data, "file": handle})
    assert refused.status_code == 200
    assert "must be positive, not 0 (invalid_tolerance)" in refused.content.decode()
    assert ProviderInvoice.objects.count() == 0

    with path.open("rb") as handle:
        response = admin_client.post(url, {**data, "override_tolerance": "", "file": handle}, follow=True)

    invoice = ProviderInvoice.objects.get()
    assert (invoice.state, invoice.error_code, invoice.file_name) == ("error", "unreadable_file", "jan.csv")
    page = response.content.decode()
    assert "row 3, column Total: unreadable amount" in page
    errors = admin_client.get(
        reverse("admin:provider_invoices_providerinvoice_csv", args=[invoice.pk, "errors"])
    )
    assert errors.content.decode().splitlines()[1] == "3,Total,unreadable amount 'x'"


def test_detail_lines_and_deactivate(admin_client, tmp_path: Path) -> None:
    on = provider()
    invoice = services.import_file(
        provider=on,
        template=services.template_by_key("microsoft_nce_reconciliation"),
        number="G43",
        period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 1, 31),
        total="60",
        file=csv_file(tmp_path / "g43.csv", NCE_HEADER, [nce_row()]),
    )
    detail = admin_client.get(reverse("admin:provider_invoices_providerinvoice_change", args=[invoice.pk]))
    assert detail.status_code == 200
    assert "warnings.csv" in detail.content.decode()
    lines = admin_client.get(
        reverse("admin:provider_invoices_providerinvoiceline_changelist"), {"invoice__id__exact": invoice.pk}
    )
    assert lines.status_code == 200 and "sub-licence-1" in lines.content.decode()
    line = invoice.lines.get()
    raw = admin_client.get(reverse("admin:provider_invoices_providerinvoiceline_change", args=[line.pk]))
    assert "One-Year commitment for monthly/yearly billing" in raw.content.decode()

    url = reverse("admin:provider_invoices_providerinvoice_do_deactivate-invoice", args=[invoice.pk])
    admin_client.post(url, {"apply": "1"})

    invoice.refresh_from_db()
    assert (invoice.state, invoice.deactivated_by) == ("inactive", "admin")


def test_a_user_template_is_validated(admin_client) -> None:
    url = reverse("admin:provider_invoices_mappingtemplate_add")
    response = admin_client.post(
        url,
        {
            "key": "mine",
            "name": "Mine",
            "kind": "auto",
            "columns": '{"totl": "Amount"}',
            "date_formats": "dd.mm",
        },
    )
    page = response.content.decode()
    assert "unknown Seatline field(s) totl" in page
    assert "map total or subtotal" in page
    assert "date format &#x27;dd.mm&#x27; is not a strptime format" in page
    assert not MappingTemplate.objects.filter(key="mine").exists()

    admin_client.post(
        url,
        {
            "key": "mine",
            "name": "Mine",
            "kind": "auto",
            "columns": '{"total": "Amount", "provider_subscription_id": "Sub"}',
            "date_formats": "%d.%m.%Y",
        },
    )
    assert MappingTemplate.objects.get(key="mine").columns == {
        "total": "Amount",
        "provider_subscription_id": "Sub",
    }
    shipped = MappingTemplate.objects.get(key="pax8_invoice_items")
    assert (
        admin_client.post(
            reverse("admin:provider_invoices_mappingtemplate_change", args=[shipped.pk]), {}
        ).status_code
        == 403
    )
