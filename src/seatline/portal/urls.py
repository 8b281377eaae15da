# SPDX-License-Identifier: AGPL-3.0-or-later
from django.urls import path

from seatline.portal.views import auth, pages, users

app_name = "portal"

urlpatterns = [
    path("", pages.home, name="home"),
    path("login/", auth.login_view, name="login"),
    path("logout/", auth.logout_view, name="logout"),
    path("join/<str:secret>/", auth.join_view, name="join"),
    path("subscriptions/", pages.subscriptions, name="subscriptions"),
    path("subscriptions/<int:pk>/", pages.subscription, name="subscription"),
    path("subscriptions/<int:pk>/seats/", pages.change_seats, name="change_seats"),
    path("invoices/", pages.invoices, name="invoices"),
    path("invoices/<int:pk>/", pages.invoice, name="invoice"),
    path("invoices/<int:pk>/pdf/", pages.invoice_pdf, name="invoice_pdf"),
    path("agreements/", pages.agreements, name="agreements"),
    path("agreements/<int:pk>/accept/", pages.accept_agreement, name="accept_agreement"),
    path("profile/", pages.profile, name="profile"),
    path("users/", users.users, name="users"),
    path("users/invite/", users.invite, name="invite"),
    path("users/<int:pk>/remove/", users.remove, name="remove_user"),
]
