# SPDX-License-Identifier: AGPL-3.0-or-later
"""Products and price lists (read-only)."""

from __future__ import annotations

from typing import Any

from rest_framework import mixins

from seatline.api.filters import PriceListFilter, ProductFilter
from seatline.api.serializers.catalog import PriceListDetailSerializer, PriceListSerializer, ProductSerializer
from seatline.api.views.base import SeatlineViewSet
from seatline.catalog.models import PriceList, Product


class ProductViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, SeatlineViewSet):
    """The product catalog."""

    queryset = Product.objects.select_related("manufacturer")
    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    ordering_fields = ("id", "name", "created_at")


class PriceListViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, SeatlineViewSet):
    """Price lists (one currency each); the detail lists their prices."""

    queryset = PriceList.objects.all()
    serializer_class = PriceListSerializer
    filterset_class = PriceListFilter
    ordering_fields = ("id", "name")

    def get_serializer_class(self) -> Any:
        return PriceListDetailSerializer if self.action == "retrieve" else PriceListSerializer

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("items__price_list")
        return queryset
