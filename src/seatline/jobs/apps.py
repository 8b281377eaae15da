# SPDX-License-Identifier: AGPL-3.0-or-later
import importlib
import importlib.util
from typing import Any

from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


class JobsConfig(AppConfig):
    name = "seatline.jobs"
    label = "jobs"
    verbose_name = "Jobs"

    def ready(self) -> None:
        import_task_modules()
        post_migrate.connect(_seed_default_schedules, sender=self, dispatch_uid="seatline.jobs.seed")


def import_task_modules() -> list[str]:
    """Import `<app>.tasks` of every installed seatline app that has one (registers handlers)."""
    imported = []
    for config in apps.get_app_configs():
        if not config.name.startswith("seatline."):
            continue
        module = f"{config.name}.tasks"
        if importlib.util.find_spec(module) is not None:
            importlib.import_module(module)
            imported.append(module)
    return imported


def _seed_default_schedules(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    from seatline.jobs.scheduler import seed_default_schedules

    if using == "default":
        seed_default_schedules()
