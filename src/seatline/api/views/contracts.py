# SPDX-License-Identifier: AGPL-3.0-or-later
"""Billing contracts (POST/PATCH through `contracts.services`, refusing `contract_terms_locked`
and `invalid_contract`) and billing schedules (read-only)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.request import Request
from rest_framework.response import Response

from seatline.api.filters import BillingScheduleFilter, ContractFilter
from seatline.api.serializers.contracts import (
    BillingScheduleSerializer,
    ContractCreateSerializer,
    ContractSerializer,
    ContractUpdateSerializer,
)
from seatline.api.views.base import SeatlineViewSet
from seatline.contracts import services
from seatline.contracts.models import BillingContract, BillingSchedule


class ContractViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, SeatlineViewSet):
    """Billing contracts."""

    queryset = BillingContract.objects.all()
    serializer_class = ContractSerializer
    filterset_class = ContractFilter
    ordering_fields = ("id", "name", "start_date", "created_at")
    account_path = "account"
    action_permissions = {
        "create": "contracts.add_billingcontract",
        "partial_update": "contracts.change_billingcontract",
    }

    @extend_schema(request=ContractCreateSerializer, responses={201: ContractSerializer})
    def create(self, request: Request) -> Response:
        contract = services.create_contract(**self.parse(ContractCreateSerializer))
        return self.created(ContractSerializer, contract, "contract")

    @extend_schema(request=ContractUpdateSerializer, responses=ContractSerializer)
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        contract = self.get_object()
        changes = self.parse(ContractUpdateSerializer, partial=True)
        return self.output(ContractSerializer, services.update_contract(contract=contract, changes=changes))


class BillingScheduleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, SeatlineViewSet):
    """Billing schedules: one per contract cycle, with the invoice that billed it."""

    queryset = BillingSchedule.objects.all()
    serializer_class = BillingScheduleSerializer
    filterset_class = BillingScheduleFilter
    ordering_fields = ("id", "cycle_start", "schedule_date")
    account_path = "contract__account"
