# SPDX-License-Identifier: AGPL-3.0-or-later
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/", include("seatline.api.urls")),
    path("portal/", include("seatline.portal.urls")),
    path("webhooks/", include("seatline.payments.urls")),
    path("pay/invoice/", include("seatline.paynow.urls")),
    path("pay/", include("seatline.payments.public_urls")),
]

# Errors under /api/ are problem details (JSON); elsewhere Django's pages.
handler400 = "seatline.api.problems.bad_request"
handler403 = "seatline.api.problems.permission_denied"
handler404 = "seatline.api.problems.page_not_found"
handler500 = "seatline.api.problems.server_error"
