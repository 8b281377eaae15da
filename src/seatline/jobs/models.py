# SPDX-License-Identifier: AGPL-3.0-or-later
"""Job rows (the transactional outbox and run log) and scheduled-job definitions.

A `Job` is created in the same transaction as the change that needs it (see `services.enqueue`)
and executed later by an executor (the embedded `seatline worker`, or Celery workers). Every run
leaves its status, attempts, results and error on the row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from seatline import clock


class JobStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"
    DISPATCHED = "dispatched", "Dispatched"
    IN_PROGRESS = "in_progress", "In progress"
    SUCCEEDED = "succeeded", "Succeeded"
    RETRY = "retry", "Retry"
    FAILED = "failed", "Failed"
    NOT_APPLICABLE = "not_applicable", "Not Applicable"
    CANCELLED = "cancelled", "Cancelled"


#: Statuses of a job that may still run (a dedupe key is unique among these).
UNFINISHED_STATUSES: tuple[str, ...] = (
    JobStatus.WAITING,
    JobStatus.DISPATCHED,
    JobStatus.IN_PROGRESS,
    JobStatus.RETRY,
)
FINISHED_STATUSES: tuple[str, ...] = (
    JobStatus.SUCCEEDED,
    JobStatus.FAILED,
    JobStatus.NOT_APPLICABLE,
    JobStatus.CANCELLED,
)
#: Statuses a worker may claim (when due).
CLAIMABLE_STATUSES: tuple[str, ...] = (JobStatus.WAITING, JobStatus.RETRY)
#: Statuses a job may be cancelled from (reference 9.2).
CANCELLABLE_STATUSES: tuple[str, ...] = (JobStatus.WAITING, JobStatus.DISPATCHED, JobStatus.RETRY)
#: Statuses a job may be put back to Waiting from.
RETRIABLE_STATUSES: tuple[str, ...] = (JobStatus.FAILED, JobStatus.CANCELLED)

DEFAULT_MAX_ATTEMPTS = 6  # one try + 5 retries (reference 9.2)


class Job(models.Model):
    job_type = models.CharField("type", max_length=64, db_index=True)
    status = models.CharField(max_length=20, choices=JobStatus.choices, default=JobStatus.WAITING)
    attempts = models.PositiveIntegerField(default=0, help_text="runs started so far")
    max_attempts = models.PositiveIntegerField(default=DEFAULT_MAX_ATTEMPTS)
    parameters = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    results = models.JSONField(
        default=dict, blank=True, encoder=DjangoJSONEncoder, help_text="job results, or the failure reason"
    )
    error = models.TextField(blank=True)

    scheduled_for = models.DateTimeField(help_text="the job waits until this instant")
    created_at = models.DateTimeField(default=clock.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    lease_owner = models.CharField(max_length=200, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    dedupe_key = models.CharField(max_length=255, null=True, blank=True)

    content_type = models.ForeignKey(ContentType, on_delete=models.SET_NULL, null=True, blank=True)
    object_id = models.CharField(max_length=64, null=True, blank=True)
    related = GenericForeignKey("content_type", "object_id")

    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )

    class Meta:
        ordering = ("-id",)
        indexes = [
            models.Index(fields=["status", "scheduled_for"], name="jobs_job_claim_idx"),
            models.Index(fields=["content_type", "object_id"], name="jobs_job_related_idx"),
            models.Index(fields=["status", "lease_expires_at"], name="jobs_job_lease_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=models.Q(dedupe_key__isnull=False, status__in=UNFINISHED_STATUSES),
                name="jobs_job_dedupe_unfinished",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.type_name} ({self.get_status_display()})"

    @property
    def type_name(self) -> str:
        from seatline.jobs.registry import type_name

        return type_name(self.job_type)

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES


class ScheduleKind(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"
    INTERVAL = "interval", "Every N minutes"


SCHEDULE_TIMING_FIELDS = ("kind", "time_of_day", "weekday", "day_of_month", "interval_minutes")


class ScheduledJob(models.Model):
    """A recurring job definition, editable in the back office; `scheduler.tick` fires it."""

    name = models.CharField(max_length=150, unique=True)
    job_type = models.CharField("type", max_length=64)
    parameters = models.JSONField(
        default=dict, blank=True, encoder=DjangoJSONEncoder, help_text="merged into every job it creates"
    )
    enabled = models.BooleanField(default=True)
    description = models.TextField(blank=True)

    kind = models.CharField(max_length=10, choices=ScheduleKind.choices, default=ScheduleKind.DAILY)
    time_of_day = models.TimeField(
        default=dt.time(0, 0), help_text="in the tenant time zone (daily, weekly, monthly)"
    )
    weekday = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(6)],
        help_text="weekly: 0 = Monday ... 6 = Sunday",
    )
    day_of_month = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text="monthly: 1-31 (the last day of shorter months)",
    )
    interval_minutes = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)], help_text="interval: minutes between runs"
    )

    last_fired_for = models.DateTimeField(
        null=True, blank=True, help_text="the last scheduled instant handled"
    )
    next_run_at = models.DateTimeField(null=True, blank=True)

    system_key = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False, help_text="set on defaults"
    )
    disabled_for_missing_handler = models.BooleanField(
        default=False,
        editable=False,
        help_text="a default left disabled because its job type had no handler; enabled when one appears",
    )
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Saving an enabled schedule that was disabled, or whose timing changed, starts it afresh.

        The scheduler catches up the instants it missed while it was down, but not the ones of a
        schedule that was switched off or re-timed: those restart from now.
        """
        now = clock.now()
        self.updated_at = now
        update_fields = kwargs.get("update_fields")
        extra = ["updated_at"]
        watched = {"enabled", *SCHEDULE_TIMING_FIELDS}
        if self.pk is not None and self.enabled and (update_fields is None or watched & set(update_fields)):
            old = ScheduledJob.objects.filter(pk=self.pk).values("enabled", *SCHEDULE_TIMING_FIELDS).first()
            if old is not None and (
                not old["enabled"] or any(old[name] != getattr(self, name) for name in SCHEDULE_TIMING_FIELDS)
            ):
                self.last_fired_for = max(self.last_fired_for or now, now)
                extra.append("last_fired_for")
        if self.enabled:
            from seatline.jobs.scheduler import next_instant

            self.next_run_at = next_instant(self, self.last_fired_for or self.created_at)
        else:
            self.next_run_at = None
        extra.append("next_run_at")
        if update_fields is not None:
            kwargs["update_fields"] = list(dict.fromkeys([*update_fields, *extra]))
        super().save(*args, **kwargs)

    def clean(self) -> None:
        from seatline.jobs.registry import is_known_type

        if not is_known_type(self.job_type):
            raise ValidationError({"job_type": f"unknown job type {self.job_type!r}"})
        if self.kind == ScheduleKind.WEEKLY and self.weekday is None:
            raise ValidationError({"weekday": "a weekly schedule needs a weekday"})
        if self.kind == ScheduleKind.MONTHLY and self.day_of_month is None:
            raise ValidationError({"day_of_month": "a monthly schedule needs a day of the month"})
        if self.kind == ScheduleKind.INTERVAL and not self.interval_minutes:
            raise ValidationError({"interval_minutes": "an interval schedule needs a number of minutes"})
