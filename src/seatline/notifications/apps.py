# SPDX-License-Identifier: AGPL-3.0-or-later
from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class NotificationsConfig(AppConfig):
    name = "seatline.notifications"
    label = "notifications"
    verbose_name = "E-mail"

    def ready(self) -> None:
        post_migrate.connect(_seed_templates, sender=self, dispatch_uid="seatline.notifications.seed")


def _seed_templates(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    from seatline.notifications.services import seed_templates

    if using == "default":
        seed_templates()
