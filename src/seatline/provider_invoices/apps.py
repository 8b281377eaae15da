# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class ProviderInvoicesConfig(AppConfig):
    name = "seatline.provider_invoices"
    label = "provider_invoices"
    verbose_name = "Provider invoices"
