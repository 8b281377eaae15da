# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class ConfigurationConfig(AppConfig):
    name = "seatline.configuration"
    label = "configuration"
