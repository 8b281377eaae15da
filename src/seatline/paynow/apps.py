# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class PayNowConfig(AppConfig):
    name = "seatline.paynow"
    label = "paynow"

    def ready(self) -> None:
        from seatline.documents import services
        from seatline.paynow.views import paynow_link

        # the invoice e-mails' {paynow_url}, when a processor offers a payment page
        services.paynow_url_providers.append(paynow_link)
