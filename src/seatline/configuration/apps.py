# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ConfigurationConfig(AppConfig):
    name = "seatline.configuration"
    label = "configuration"

    def ready(self) -> None:
        from seatline.configuration.roles import ensure_roles

        post_migrate.connect(ensure_roles, dispatch_uid="seatline_ensure_roles")
