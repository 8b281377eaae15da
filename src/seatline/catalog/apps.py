# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "seatline.catalog"
    label = "catalog"
