# SPDX-License-Identifier: AGPL-3.0-or-later
"""Public pages of payments (signed links, no login): payment method requests, PayNow."""

from django.urls import path

from seatline.payments import views

app_name = "payments-public"
urlpatterns = [
    path("method/<str:token>/", views.profile_request, name="profile-request"),
    path("method/<str:token>/done/", views.profile_request_done, name="profile-request-done"),
]
