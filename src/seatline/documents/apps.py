# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "seatline.documents"
    label = "documents"
    verbose_name = "Documents"
