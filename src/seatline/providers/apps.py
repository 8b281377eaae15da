# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "seatline.providers"
    label = "providers"

    def ready(self) -> None:
        from seatline.providers import provisioning
        from seatline.subscriptions import hooks

        hooks.register(
            hooks.ChangeHooks(
                name="provisioning",
                before_change=lambda subscription, kind: provisioning.before_change(subscription, kind=kind),
                provisioning_status=lambda subscription, kind: provisioning.status_for(
                    subscription, kind=kind
                ),
                after_change=provisioning.after_change,
                check_reduction=lambda subscription, reduction, cancel: provisioning.check_provider_window(
                    subscription, reduction=reduction, cancel=cancel
                ),
            )
        )
