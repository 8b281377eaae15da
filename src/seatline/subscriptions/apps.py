# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class SubscriptionsConfig(AppConfig):
    name = "seatline.subscriptions"
    label = "subscriptions"
