# SPDX-License-Identifier: AGPL-3.0-or-later
"""URLs of the API: `/api/v1/...`, the schema at `/api/schema/`, its UIs at `/api/docs/` (Swagger
UI) and `/api/redoc/`, problem types at `/api/problems/<code>`."""

from __future__ import annotations

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from seatline.api.views import catalog, contracts, customers, invoicing, jobs, subscriptions
from seatline.api.views.problems import problem_type_view, problem_types_view

router = SimpleRouter()
router.register("accounts", customers.AccountViewSet, basename="account")
router.register("contacts", customers.ContactViewSet, basename="contact")
router.register("contracts", contracts.ContractViewSet, basename="contract")
router.register("billing-schedules", contracts.BillingScheduleViewSet, basename="billing-schedule")
router.register("subscriptions", subscriptions.SubscriptionViewSet, basename="subscription")
router.register("license-change-logs", subscriptions.LicenseChangeLogViewSet, basename="license-change-log")
router.register("scheduled-changes", subscriptions.ScheduledChangeViewSet, basename="scheduled-change")
router.register("products", catalog.ProductViewSet, basename="product")
router.register("price-lists", catalog.PriceListViewSet, basename="price-list")
router.register("invoices", invoicing.InvoiceViewSet, basename="invoice")
router.register("payments", invoicing.PaymentViewSet, basename="payment")
router.register("jobs", jobs.JobViewSet, basename="job")

app_name = "api"
urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("problems/", problem_types_view, name="problem-types"),
    path("problems/<slug:code>", problem_type_view, name="problem-type"),
]
