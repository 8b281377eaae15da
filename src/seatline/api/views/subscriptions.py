# SPDX-License-Identifier: AGPL-3.0-or-later
"""Subscriptions and their actions; change logs and scheduled changes (read).

Each action calls the same service as the back office (`seatline.subscriptions.services`) and
answers its refusal as a problem (`qrb_violation`, `provider_window_passed`, `credit_hold`, ...)
with nothing changed.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from seatline.api.filters import LicenseChangeLogFilter, ScheduledChangeFilter, SubscriptionFilter
from seatline.api.serializers.subscriptions import (
    ActivateSerializer,
    ChangeQuantitySerializer,
    DeactivateSerializer,
    LicenseChangeLogSerializer,
    ScheduleChangeSerializer,
    ScheduledChangeResultSerializer,
    ScheduledChangeSerializer,
    SubscriptionChangeResultSerializer,
    SubscriptionCreateSerializer,
    SubscriptionSerializer,
)
from seatline.api.views.base import SeatlineViewSet
from seatline.subscriptions import services
from seatline.subscriptions.models import LicenseChangeLog, ScheduledLicenseChangeLog, Subscription

CHANGE = "subscriptions.change_subscription"


class SubscriptionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, SeatlineViewSet):
    """License, service and usage subscriptions."""

    queryset = Subscription.objects.all()
    serializer_class = SubscriptionSerializer
    filterset_class = SubscriptionFilter
    ordering_fields = ("id", "name", "start_date", "quantity", "created_at")
    account_path = "account"
    action_permissions = {
        "create": "subscriptions.add_subscription",
        "change_quantity": CHANGE,
        "deactivate": CHANGE,
        "activate": CHANGE,
        "schedule_change": CHANGE,
    }

    def _result(self, subscription: Subscription, change: LicenseChangeLog | None) -> Response:
        subscription.refresh_from_db()
        return self.output(
            SubscriptionChangeResultSerializer, {"subscription": subscription, "change": change}
        )

    @extend_schema(request=SubscriptionCreateSerializer, responses={201: SubscriptionSerializer})
    def create(self, request: Request) -> Response:
        data = self.parse(SubscriptionCreateSerializer)
        subscription = services.create_subscription(**{k: v for k, v in data.items() if v is not None})
        return self.created(SubscriptionSerializer, subscription, "subscription")

    @extend_schema(request=ChangeQuantitySerializer, responses=SubscriptionChangeResultSerializer)
    @action(detail=True, methods=["post"], url_path="change-quantity")
    def change_quantity(self, request: Request, pk: Any = None) -> Response:
        """Set the absolute quantity from `effective` (default today); `change` is null when the
        quantity is already that."""
        subscription = self.get_object()
        data = self.parse(ChangeQuantitySerializer)
        change = services.change_quantity(
            subscription=subscription, quantity=data["quantity"], effective=data.get("effective")
        )
        return self._result(subscription, change)

    @extend_schema(request=DeactivateSerializer, responses=SubscriptionChangeResultSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, pk: Any = None) -> Response:
        """Billable through `on` (default today), then suspended with quantity 0; `refund` asks
        for a credit of the unused days (the contract's refund policy decides)."""
        subscription = self.get_object()
        data = self.parse(DeactivateSerializer)
        change = services.deactivate_subscription(
            subscription=subscription, refund=data["refund"], on=data.get("on")
        )
        return self._result(subscription, change)

    @extend_schema(request=ActivateSerializer, responses=SubscriptionChangeResultSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request: Request, pk: Any = None) -> Response:
        """Billable again from `on` (default today) with the quantity held before deactivation."""
        subscription = self.get_object()
        data = self.parse(ActivateSerializer)
        change = services.activate_subscription(subscription=subscription, on=data.get("on"))
        return self._result(subscription, change)

    @extend_schema(request=ScheduleChangeSerializer, responses={201: ScheduledChangeResultSerializer})
    @action(detail=True, methods=["post"], url_path="schedule-change")
    def schedule_change(self, request: Request, pk: Any = None) -> Response:
        """A change of quantity and/or price merged on `effective` by the nightly run."""
        subscription = self.get_object()
        data = self.parse(ScheduleChangeSerializer)
        scheduled = services.schedule_change(
            subscription=subscription,
            effective=data["effective"],
            quantity=data.get("quantity"),
            price=data.get("price"),
            source="api",
        )
        subscription.refresh_from_db()
        response = self.output(
            ScheduledChangeResultSerializer,
            {"subscription": subscription, "scheduled_change": scheduled},
            status=201,
        )
        response["Location"] = f"/api/v1/scheduled-changes/{scheduled.pk}/"
        return response


class LicenseChangeLogViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, SeatlineViewSet):
    """License change logs: every quantity, status and price change of a subscription."""

    queryset = LicenseChangeLog.objects.all()
    serializer_class = LicenseChangeLogSerializer
    filterset_class = LicenseChangeLogFilter
    ordering_fields = ("id", "effective_date", "created_at")
    account_path = "subscription__account"


class ScheduledChangeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, SeatlineViewSet):
    """Scheduled license changes (pending, merged, or failed with their code)."""

    queryset = ScheduledLicenseChangeLog.objects.select_related("subscription")
    serializer_class = ScheduledChangeSerializer
    filterset_class = ScheduledChangeFilter
    ordering_fields = ("id", "effective_date", "created_at")
    account_path = "subscription__account"
