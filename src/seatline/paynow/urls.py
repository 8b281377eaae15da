# SPDX-License-Identifier: AGPL-3.0-or-later
from django.urls import path

from seatline.paynow import views

app_name = "paynow"
urlpatterns = [
    path("<str:token>/", views.invoice_page, name="invoice"),
    path("<str:token>/return/", views.checkout_return, name="return"),
    path("<str:token>/invoice.pdf", views.invoice_pdf, name="pdf"),
]
