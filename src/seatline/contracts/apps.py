# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "seatline.contracts"
    label = "contracts"
