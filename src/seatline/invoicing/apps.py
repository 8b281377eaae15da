# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "seatline.invoicing"
    label = "invoicing"
