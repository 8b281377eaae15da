# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "seatline.customers"
    label = "customers"
