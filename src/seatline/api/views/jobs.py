# SPDX-License-Identifier: AGPL-3.0-or-later
"""Jobs: the run log of background work; retry a failed one, cancel a waiting one."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from seatline.api.filters import JobFilter
from seatline.api.serializers.jobs import JobSerializer
from seatline.api.views.base import SeatlineViewSet
from seatline.jobs.models import Job
from seatline.jobs.services import cancel_job, retry_job


class JobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, SeatlineViewSet):
    """Background jobs (newest first by default)."""

    queryset = Job.objects.select_related("content_type")
    serializer_class = JobSerializer
    filterset_class = JobFilter
    ordering_fields = ("id", "created_at", "scheduled_for")
    ordering = ("-id",)
    action_permissions = {"retry": "jobs.change_job", "cancel": "jobs.change_job"}

    @extend_schema(request=None, responses=JobSerializer)
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: Any = None) -> Response:
        """Put a Failed or Cancelled job back to Waiting (attempts reset)."""
        return self.output(JobSerializer, retry_job(self.get_object()))

    @extend_schema(request=None, responses=JobSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: Any = None) -> Response:
        """Cancel a Waiting, Dispatched or Retry job."""
        return self.output(JobSerializer, cancel_job(self.get_object()))
