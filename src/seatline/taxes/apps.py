# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class TaxesConfig(AppConfig):
    name = "seatline.taxes"
    label = "taxes"
