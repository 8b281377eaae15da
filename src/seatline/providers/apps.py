# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "seatline.providers"
    label = "providers"
