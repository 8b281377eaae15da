# SPDX-License-Identifier: AGPL-3.0-or-later
"""Billing contracts and billing schedules: read-only until `contracts.services` (create/update,
refusing `contract_terms_locked`) exists; then POST/PATCH call it like the other resources."""

from __future__ import annotations

from rest_framework import mixins

from seatline.api.filters import BillingScheduleFilter, ContractFilter
from seatline.api.serializers.contracts import BillingScheduleSerializer, ContractSerializer
from seatline.api.views.base import SeatlineViewSet
from seatline.contracts.models import BillingContract, BillingSchedule


class ContractViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, SeatlineViewSet):
    """Billing contracts."""

    queryset = BillingContract.objects.all()
    serializer_class = ContractSerializer
    filterset_class = ContractFilter
    ordering_fields = ("id", "name", "start_date", "created_at")
    account_path = "account"


class BillingScheduleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, SeatlineViewSet):
    """Billing schedules: one per contract cycle, with the invoice that billed it."""

    queryset = BillingSchedule.objects.all()
    serializer_class = BillingScheduleSerializer
    filterset_class = BillingScheduleFilter
    ordering_fields = ("id", "cycle_start", "schedule_date")
    account_path = "contract__account"
