# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "seatline.payments"
    label = "payments"
