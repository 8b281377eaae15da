# SPDX-License-Identifier: AGPL-3.0-or-later
"""Jobs (the run log of background work)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from seatline.jobs.models import Job
from seatline.jobs.registry import has_handler


class JobSerializer(serializers.ModelSerializer):
    type_name = serializers.CharField(read_only=True)
    has_handler = serializers.SerializerMethodField()
    related_type = serializers.SerializerMethodField()
    related_id = serializers.CharField(source="object_id", read_only=True, allow_null=True)
    parameters = serializers.JSONField(read_only=True)
    results = serializers.JSONField(read_only=True)

    class Meta:
        model = Job
        fields = (
            "id",
            "job_type",
            "type_name",
            "has_handler",
            "status",
            "attempts",
            "max_attempts",
            "parameters",
            "results",
            "error",
            "scheduled_for",
            "created_at",
            "started_at",
            "finished_at",
            "dedupe_key",
            "related_type",
            "related_id",
            "parent",
        )
        read_only_fields = fields

    def get_has_handler(self, job: Job) -> bool:
        return has_handler(job.job_type)

    @extend_schema_field({"type": "string", "nullable": True, "example": "invoicing.invoice"})
    def get_related_type(self, job: Job) -> Any:
        if job.content_type_id is None:
            return None
        return f"{job.content_type.app_label}.{job.content_type.model}"
