# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "seatline.dashboards"
    label = "dashboards"
    verbose_name = "Dashboards"

    def ready(self) -> None:
        from django.contrib import admin

        # The back-office home shows the dashboards (context from `views.dashboard_callback`,
        # UNFOLD["DASHBOARD_CALLBACK"]) above unfold's list of apps.
        admin.site.index_template = "dashboards/index.html"
