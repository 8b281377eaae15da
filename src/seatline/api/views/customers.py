# SPDX-License-Identifier: AGPL-3.0-or-later
"""Accounts and contacts: read, create and update through `seatline.customers.services`."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.request import Request
from rest_framework.response import Response

from seatline.api.filters import AccountFilter, ContactFilter
from seatline.api.serializers.customers import (
    AccountSerializer,
    AccountWriteSerializer,
    ContactSerializer,
    ContactUpdateSerializer,
    ContactWriteSerializer,
)
from seatline.api.views.base import SeatlineViewSet
from seatline.customers import services
from seatline.customers.models import Account, Contact


class AccountViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, SeatlineViewSet):
    """Customer accounts."""

    queryset = Account.objects.all()
    serializer_class = AccountSerializer
    filterset_class = AccountFilter
    ordering_fields = ("id", "name", "created_at", "updated_at")
    account_path = "pk"
    action_permissions = {"create": "customers.add_account", "partial_update": "customers.change_account"}

    @extend_schema(request=AccountWriteSerializer, responses={201: AccountSerializer})
    def create(self, request: Request) -> Response:
        account = services.create_account(**self.parse(AccountWriteSerializer))
        return self.created(AccountSerializer, account, "account")

    @extend_schema(request=AccountWriteSerializer, responses=AccountSerializer)
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        account = self.get_object()
        account = services.update_account(account=account, **self.parse(AccountWriteSerializer, partial=True))
        return self.output(AccountSerializer, account)


class ContactViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, SeatlineViewSet):
    """Contacts of accounts (one primary billing contact per account)."""

    queryset = Contact.objects.select_related("account")
    serializer_class = ContactSerializer
    filterset_class = ContactFilter
    ordering_fields = ("id", "last_name", "email", "created_at")
    account_path = "account"
    action_permissions = {"create": "customers.add_contact", "partial_update": "customers.change_contact"}

    @extend_schema(request=ContactWriteSerializer, responses={201: ContactSerializer})
    def create(self, request: Request) -> Response:
        contact = services.create_contact(**self.parse(ContactWriteSerializer))
        return self.created(ContactSerializer, contact, "contact")

    @extend_schema(request=ContactUpdateSerializer, responses=ContactSerializer)
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        contact = self.get_object()
        contact = services.update_contact(
            contact=contact, **self.parse(ContactUpdateSerializer, partial=True)
        )
        return self.output(ContactSerializer, contact)
