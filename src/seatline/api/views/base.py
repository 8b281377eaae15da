# SPDX-License-Identifier: AGPL-3.0-or-later
"""What every API view shares: role permissions per action, the caller's account scope, the
audit actor, `Idempotency-Key` on POST, and input parsed by a serializer before a service call."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from seatline.api import idempotency
from seatline.api.models import ApiToken
from seatline.api.scoping import scope_for
from seatline.audit.context import acting_as

ID_PATTERN = r"[0-9]{1,18}"


class SeatlineViewSet(viewsets.GenericViewSet):
    """Subclasses set `queryset`, `account_path` (how their model reaches its account, None for
    global data) and `action_permissions` for the actions that change something (reads need the
    model's view permission)."""

    account_path: str | None = None
    action_permissions: Mapping[str, str] = {}
    lookup_value_regex = ID_PATTERN
    metadata_class = None
    http_method_names = ["get", "post", "patch", "head"]
    detail_route: str = ""

    # -- permissions and scope -------------------------------------------------------------
    def required_permission(self, action: str) -> str | None:
        if action in self.action_permissions:
            return self.action_permissions[action]
        if action in ("list", "retrieve") or self.request.method in ("GET", "HEAD"):
            meta = self.queryset.model._meta
            return f"{meta.app_label}.view_{meta.model_name}"
        return None  # an action without a declared permission: refused

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset()
        return scope_for(self.request.user).filter(queryset, self.account_path)

    # -- request life cycle ----------------------------------------------------------------
    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        user = request.user
        token = request.auth if isinstance(request.auth, ApiToken) else None
        actor = f"{user.get_username()} (API {'sl_' + token.prefix if token else 'session'})"
        self._acting = acting_as(actor)
        self._acting.__enter__()
        key = request.headers.get(idempotency.HEADER)
        if request.method == "POST" and key is not None:
            self._idempotency_record = idempotency.claim(request, key)

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        self._acting = None
        self._idempotency_record = None
        try:
            if request.method == "POST" and idempotency.HEADER.lower() in {
                h.lower() for h in request.headers
            }:
                with transaction.atomic():
                    response = super().dispatch(request, *args, **kwargs)
                    record = self._idempotency_record
                    if record is not None:
                        if response.status_code >= 500:
                            transaction.set_rollback(True)  # no key kept: the client may retry
                        else:
                            idempotency.store(record, response)
                return response
            return super().dispatch(request, *args, **kwargs)
        finally:
            if self._acting is not None:
                self._acting.__exit__(None, None, None)

    # -- helpers for the actions -----------------------------------------------------------
    def parse(self, serializer_class: type[serializers.Serializer], **kwargs: Any) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context(), **kwargs)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def output(
        self, serializer_class: type[serializers.Serializer], instance: Any, *, status: int = 200
    ) -> Response:
        data = serializer_class(instance, context=self.get_serializer_context()).data
        return Response(data, status=status)

    def created(self, serializer_class: type[serializers.Serializer], instance: Any, route: str) -> Response:
        response = self.output(serializer_class, instance, status=201)
        response["Location"] = reverse(f"api:{route}-detail", args=[instance.pk])
        return response
