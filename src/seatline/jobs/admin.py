# SPDX-License-Identifier: AGPL-3.0-or-later
"""Back office for jobs (the run log, with Cancel / Retry) and scheduled jobs (editable, Run now)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import RangeDateTimeFilter

from seatline.common.admin import ReadOnlyRowsMixin
from seatline.common.admin_actions import ServiceActionsMixin, add_service_error, submitted
from seatline.errors import SeatlineError
from seatline.jobs.models import Job, ScheduledJob
from seatline.jobs.readable import outcome, status_reason
from seatline.jobs.registry import has_handler, type_choices, type_name
from seatline.jobs.scheduler import run_now
from seatline.jobs.services import cancel_job, retry_job


class JobTypeFilter(admin.SimpleListFilter):
    title = "type"
    parameter_name = "job_type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return type_choices()

    def queryset(self, request: HttpRequest, queryset: QuerySet[Job]) -> QuerySet[Job]:
        value = self.value()
        return queryset.filter(job_type=value) if value else queryset


@admin.register(Job)
class JobAdmin(ServiceActionsMixin, ReadOnlyRowsMixin, ModelAdmin):
    service_actions = (("retry-job", "Retry", "retry_view"),)
    list_display = (
        "id",
        "type_display",
        "outcome_display",
        "reason_display",
        "attempts",
        "scheduled_for",
        "finished_at",
        "related_display",
    )
    list_filter = (
        "status",
        JobTypeFilter,
        ("scheduled_for", RangeDateTimeFilter),
        ("finished_at", RangeDateTimeFilter),
        ("created_at", RangeDateTimeFilter),
    )
    list_filter_submit = True
    search_fields = ("error", "dedupe_key")
    readonly_fields = [
        "id",
        "type_display",
        "handler_display",
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
        "lease_owner",
        "lease_expires_at",
        "heartbeat_at",
        "dedupe_key",
        "related_display",
        "parent",
    ]
    readonly_fields += ["outcome_display", "reason_display"]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "type_display",
                    "outcome_display",
                    "reason_display",
                    "related_display",
                    "scheduled_for",
                    "finished_at",
                )
            },
        ),
        (
            "Details",
            {
                "classes": ("collapse",),
                "fields": (
                    "id",
                    "handler_display",
                    "status",
                    "attempts",
                    "max_attempts",
                    "parameters",
                    "results",
                    "error",
                    "created_at",
                    "started_at",
                    "lease_owner",
                    "lease_expires_at",
                    "heartbeat_at",
                    "dedupe_key",
                    "parent",
                ),
            },
        ),
    )
    actions = ["cancel_selected", "retry_selected"]
    list_per_page = 100

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Job]:
        return super().get_queryset(request).select_related("content_type")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Job], search_term: str
    ) -> tuple[QuerySet[Job], bool]:
        """Search the error and dedupe key, and the parameters' JSON text."""
        filtered = queryset
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term:
            by_parameters = (
                Job.objects.annotate(parameters_text=Cast("parameters", TextField()))
                .filter(parameters_text__icontains=search_term)
                .values("pk")
            )
            queryset = queryset | filtered.filter(pk__in=by_parameters)
        return queryset, may_have_duplicates

    @admin.display(description="type", ordering="job_type")
    def type_display(self, obj: Job) -> str:
        name = type_name(obj.job_type)
        return name if has_handler(obj.job_type) else f"{name} (no handler installed)"

    @admin.display(description="outcome", ordering="status")
    def outcome_display(self, obj: Job) -> str:
        text = outcome(obj)
        if text.startswith("Failed"):
            return format_html('<span class="font-semibold text-red-600">{}</span>', text)
        return text

    @admin.display(description="what happened")
    def reason_display(self, obj: Job) -> str:
        return status_reason(obj)

    def retry_view(self, request: HttpRequest, job: Job) -> HttpResponse:
        form = forms.Form(submitted(request))
        if request.method == "POST" and form.is_valid():
            try:
                retry_job(job)
            except SeatlineError as error:
                add_service_error(form, error)
            else:
                return self.done(request, job, "Job put back to Waiting: a worker runs it again.")
        return self.render_action(
            request,
            job,
            title="Retry",
            form=form,
            buttons=(("apply", "Retry now"),),
            intro=status_reason(job),
        )

    @admin.display(description="handler")
    def handler_display(self, obj: Job) -> str:
        return "installed" if has_handler(obj.job_type) else "no handler installed: this job is not run here"

    @admin.display(description="related")
    def related_display(self, obj: Job) -> str:
        if obj.content_type_id is None:
            return "-"
        related = obj.related
        label = str(related) if related is not None else f"#{obj.object_id} (deleted)"
        return f"{obj.content_type.name}: {label}"

    @admin.action(description="Cancel", permissions=["change"])
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet[Job]) -> None:
        self._apply(request, queryset, cancel_job, "cancelled")

    @admin.action(description="Retry", permissions=["change"])
    def retry_selected(self, request: HttpRequest, queryset: QuerySet[Job]) -> None:
        self._apply(request, queryset, retry_job, "put back to Waiting")

    def _apply(self, request: HttpRequest, queryset: QuerySet[Job], service: Any, verb: str) -> None:
        done = 0
        for job in queryset.order_by("id"):
            try:
                service(job)
                done += 1
            except SeatlineError as exc:
                self.message_user(request, f"Job #{job.pk}: {exc.message}", messages.ERROR)
        if done:
            self.message_user(request, f"{done} job(s) {verb}.", messages.SUCCESS)


class ScheduledJobForm(forms.ModelForm):
    job_type = forms.ChoiceField(choices=type_choices)

    class Meta:
        model = ScheduledJob
        fields = "__all__"


@admin.register(ScheduledJob)
class ScheduledJobAdmin(ModelAdmin):
    form = ScheduledJobForm
    list_display = ("name", "type_display", "kind", "time_of_day", "enabled", "last_fired_for", "next_run_at")
    list_filter = ("enabled", "kind")
    search_fields = ("name", "job_type", "description")
    readonly_fields = ("last_fired_for", "next_run_at", "created_at", "updated_at")
    actions = ["run_now_selected"]

    @admin.display(description="type", ordering="job_type")
    def type_display(self, obj: ScheduledJob) -> str:
        name = type_name(obj.job_type)
        return name if has_handler(obj.job_type) else f"{name} (no handler installed)"

    def save_model(self, request: HttpRequest, obj: ScheduledJob, form: Any, change: bool) -> None:
        obj.disabled_for_missing_handler = False  # edited by a person: seeding leaves it alone
        super().save_model(request, obj, form, change)

    @admin.action(description="Run now", permissions=["change"])
    def run_now_selected(self, request: HttpRequest, queryset: QuerySet[ScheduledJob]) -> None:
        for schedule in queryset.order_by("id"):
            try:
                job = run_now(schedule)
            except SeatlineError as exc:
                self.message_user(request, f"{schedule.name}: {exc.message}", messages.ERROR)
                continue
            suffix = "" if has_handler(schedule.job_type) else " (no handler installed: it will not run here)"
            self.message_user(request, f"{schedule.name}: job #{job.pk} enqueued{suffix}.", messages.SUCCESS)
