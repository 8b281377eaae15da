# SPDX-License-Identifier: AGPL-3.0-or-later
"""The Microsoft agreement templates ship with Seatline (reference 1.14)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

TEMPLATES = (
    {
        "name": "Microsoft Customer Agreement",
        "agreement_type": "MicrosoftCustomerAgreement",
        "template_id": "117a77b0-9360-443b-8795-c6dedc750cf9",
        "link": "https://aka.ms/customeragreement",
        "active": True,
    },
    {
        "name": "Microsoft Cloud Agreement",
        "agreement_type": "MicrosoftCloudAgreement",
        "template_id": "",
        "link": "",
        "active": False,
    },
)


def create_templates(apps: Any, schema_editor: Any) -> None:
    template_model = apps.get_model("providers", "AgreementTemplate")
    provider_model = apps.get_model("providers", "Provider")
    partner_center = provider_model.objects.filter(connector="partner_center").order_by("id").first()
    for values in TEMPLATES:
        defaults = {key: value for key, value in values.items() if key != "name"}
        template_model.objects.get_or_create(
            name=values["name"], defaults={**defaults, "provider": partner_center}
        )


class Migration(migrations.Migration):
    dependencies = [("providers", "0002_credentials_sales_orders")]

    operations = [migrations.RunPython(create_templates, migrations.RunPython.noop)]
