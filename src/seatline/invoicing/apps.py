# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "seatline.invoicing"
    label = "invoicing"

    def ready(self) -> None:
        from seatline.invoicing.change_lines import record_change_lines
        from seatline.subscriptions import hooks

        # every change's lines for the invoiced days it affects, fixed when it is recorded
        hooks.register(hooks.ChangeHooks(name="change_lines", after_change=record_change_lines))
