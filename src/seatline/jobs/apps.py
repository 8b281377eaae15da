# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "seatline.jobs"
    label = "jobs"
