# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig
from django.db.models.signals import post_migrate

from seatline import clock
from seatline.common import admin_csv, guards
from seatline.configuration.roles import ensure_roles
from seatline.configuration.tenant import tenant_time_zone


class ConfigurationConfig(AppConfig):
    name = "seatline.configuration"
    label = "configuration"

    def ready(self) -> None:
        # The clock sits below every app: the tenant's time zone is handed to it from here.
        clock.set_time_zone_provider(tenant_time_zone)
        guards.set_date_window_provider(_date_window_years)
        post_migrate.connect(ensure_roles, dispatch_uid="seatline_ensure_roles")
        admin_csv.install()  # "Export selected as CSV" on every back-office list


def _date_window_years() -> int:
    from seatline.configuration.selectors import configuration  # models are ready only now

    return configuration().date_window_years
