# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "seatline.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from seatline.common import events
        from seatline.jobs.registry import register_job_type
        from seatline.webhooks.services import JOB_TYPE, JOB_TYPE_NAME, record_events

        register_job_type(JOB_TYPE, JOB_TYPE_NAME)
        events.subscribe("webhooks", record_events)
