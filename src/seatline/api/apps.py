# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "seatline.api"
    label = "api"
    verbose_name = "API"
