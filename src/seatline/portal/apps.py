# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "seatline.portal"
    label = "portal"
    verbose_name = "Customer portal"

    def ready(self) -> None:
        from seatline.api import scoping
        from seatline.portal.selectors import account_ids_of

        def portal_scope(user: object) -> scoping.Scope | None:
            account_ids = account_ids_of(user)
            return None if account_ids is None else scoping.Scope.only(account_ids)

        # A portal user calling the API (with their portal session) sees their own account only.
        scoping.register("portal", portal_scope)
