# SPDX-License-Identifier: AGPL-3.0-or-later
"""Reads on jobs."""

from __future__ import annotations

from django.db.models import Count

from seatline.jobs.models import UNFINISHED_STATUSES, Job
from seatline.jobs.registry import handled_types


def jobs_without_handler() -> dict[str, int]:
    """Unfinished jobs per type whose type has no handler installed here (never run)."""
    rows = (
        Job.objects.filter(status__in=UNFINISHED_STATUSES)
        .exclude(job_type__in=handled_types())
        .values("job_type")
        .annotate(count=Count("id"))
        .order_by("job_type")
    )
    return {row["job_type"]: row["count"] for row in rows}


def jobs_for(obj: object) -> list[Job]:
    """The jobs that refer to a model instance, newest first."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import models

    assert isinstance(obj, models.Model)
    content_type = ContentType.objects.get_for_model(obj)
    return list(Job.objects.filter(content_type=content_type, object_id=str(obj.pk)).order_by("-id"))
