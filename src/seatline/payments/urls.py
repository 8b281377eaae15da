# SPDX-License-Identifier: AGPL-3.0-or-later
from django.urls import path

from seatline.payments import views

urlpatterns = [
    path("<str:kind>/<int:pk>/", views.processor_webhook, name="processor-webhook"),
]
