# SPDX-License-Identifier: AGPL-3.0-or-later
"""The OpenAPI description (drf-spectacular): every operation documents its problem responses,
every POST its `Idempotency-Key` header, and created resources link to what can be done next."""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from seatline.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from seatline.api.problems import CONTENT_TYPE


class ProblemErrorSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True)
    code = serializers.CharField()
    detail = serializers.CharField()


class ProblemSerializer(serializers.Serializer):
    """An RFC 9457 problem with Seatline's stable code."""

    type = serializers.CharField(help_text="a URI reference naming the problem type")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField(help_text="Seatline's stable code, e.g. qrb_violation")
    field = serializers.CharField(allow_null=True, help_text="the input the problem concerns")
    errors = ProblemErrorSerializer(many=True, required=False, help_text="each invalid input (400)")


READ_PROBLEMS = {
    "400": "invalid filter, ordering or cursor",
    "401": "no or an invalid API token",
    "403": "your role (or the token's scope) does not allow this",
    "404": "not found (or not in your accounts)",
    "406": "the Accept header names no format this operation offers",
    "429": "too many requests: wait for Retry-After seconds",
}
WRITE_PROBLEMS = {
    **READ_PROBLEMS,
    "400": "invalid input (each listed under errors)",
    "409": "refused by the current state (e.g. qrb_violation, invoice_not_draft)",
    "415": "send application/json",
    "422": "refused values (e.g. invalid_quantity, payment_exceeds_balance, idempotency_key_reused)",
}


class AutoSchema(openapi.AutoSchema):
    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if self.method == "POST":
            parameters.append(
                OpenApiParameter(
                    IDEMPOTENCY_HEADER,
                    str,
                    OpenApiParameter.HEADER,
                    required=False,
                    description=(
                        "any unique text (1-255 visible ASCII characters, e.g. a UUID): a retry with the "
                        "same key and body gets the first response again; another body is refused (422)"
                    ),
                )
            )
        return parameters

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        problem = self.resolve_serializer(ProblemSerializer, "response").ref
        problems = READ_PROBLEMS if self.method in ("GET", "HEAD") else WRITE_PROBLEMS
        headers = {
            "401": {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}},
            "429": {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds to wait"}},
        }
        for code, description in problems.items():
            if code in responses:
                continue
            responses[code] = {"description": description, "content": {CONTENT_TYPE: {"schema": problem}}}
            if code in headers:
                responses[code]["headers"] = headers[code]
        return responses


def _detail_operations(paths: dict[str, Any], collection: str) -> dict[str, str]:
    """operationId -> path of the operations on one object of `collection` (`/api/v1/x/{id}/...`)."""
    prefix = f"{collection}{{id}}/"
    found = {}
    for path, operations in paths.items():
        if path.startswith(prefix):
            for method, operation in operations.items():
                if isinstance(operation, dict) and "operationId" in operation:
                    found[operation["operationId"]] = f"{method.upper()} {path}"
    return found


def add_links(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """OpenAPI links from the responses that carry objects to the operations on them: a created
    (201) or fetched (200) object and the first row of a list page lead to the object's detail and
    actions, with its `id`. The stateful tests (schemathesis) chain list -> read -> act."""
    paths = result.get("paths", {})
    for path, operations in paths.items():
        collection = path if path.endswith("/") and "{" not in path else None
        detail_collection = path[: path.index("{id}")] if path.endswith("{id}/") else None
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            if method == "post" and collection:
                target, code, pointer = collection, "201", "#/id"
            elif method == "get" and collection:
                target, code, pointer = collection, "200", "#/results/0/id"
            elif method in ("get", "patch") and detail_collection:
                target, code, pointer = detail_collection, "200", "#/id"
            else:
                continue
            response = operation.get("responses", {}).get(code)
            if response is None:
                continue
            links = {}
            for operation_id, label in sorted(_detail_operations(paths, target).items()):
                if operation_id == operation.get("operationId"):
                    continue
                links[operation_id] = {
                    "operationId": operation_id,
                    "parameters": {"id": f"$response.body{pointer}"},
                    "description": label,
                }
            if links:
                response["links"] = links
    scheduled = paths.get("/api/v1/subscriptions/{id}/schedule-change/", {}).get("post")
    if scheduled and "201" in scheduled.get("responses", {}):
        scheduled["responses"]["201"]["links"] = {
            "scheduled_changes_retrieve": {
                "operationId": "scheduled_changes_retrieve",
                "parameters": {"id": "$response.body#/scheduled_change/id"},
                "description": "GET /api/v1/scheduled-changes/{id}/",
            }
        }
    return result


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "seatline.api.authentication.TokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "an API token (sl_...), created in the back office under API tokens",
        }


class SessionAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "seatline.api.authentication.SessionAuthentication"
    name = "sessionAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {"type": "apiKey", "in": "cookie", "name": "sessionid", "description": "the back-office login"}
