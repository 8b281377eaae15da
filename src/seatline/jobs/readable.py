# SPDX-License-Identifier: AGPL-3.0-or-later
"""A job as a billing admin reads it: one line saying how it went and what to do, and whether its
business outcome failed even though it ran (a provider refused the change it carried)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from seatline.jobs.models import Job, JobStatus

WHAT_TO_DO = "fix the cause, then press Retry"


def business_failure(job: Job) -> str:
    """The refusal a job that ran reported in its results ("" when none): a provisioning that
    failed at the provider, an outcome marked failed."""
    results: Any = job.results if isinstance(job.results, dict) else {}
    if results.get("provisioning_status") == "failed" or results.get("outcome") == "failed":
        message = str(results.get("message") or results.get("reason") or "refused")
        code = results.get("code")
        return f"{message} ({code})" if code else message
    return ""


def outcome(job: Job) -> str:
    """The job's status as the business sees it: Failed when it ran but its work was refused."""
    if job.status == JobStatus.SUCCEEDED and business_failure(job):
        return "Failed (ran, but refused)"
    return job.get_status_display()


def _first_line(text: str) -> str:
    line = next((part.strip() for part in text.strip().splitlines() if part.strip()), "")
    return line if len(line) <= 200 else line[:199] + "…"


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"


def status_reason(job: Job) -> str:
    """One sentence: what happened to the job and, when it needs a person, what to do."""
    results: Any = job.results if isinstance(job.results, dict) else {}
    reason = _first_line(str(results.get("reason") or job.error or ""))
    refused = business_failure(job)
    if job.status == JobStatus.SUCCEEDED:
        if refused:
            return f"Ran, but the provider refused it: {refused}. Retry it from its change log once fixed."
        return f"Done at {_when(job.finished_at)}."
    if job.status == JobStatus.FAILED:
        return f"Failed after {job.attempts} attempt(s): {reason or 'no reason recorded'}; {WHAT_TO_DO}."
    if job.status == JobStatus.RETRY:
        return f"Attempt {job.attempts} of {job.max_attempts} failed: {reason}; tries again at {_when(job.scheduled_for)}."
    if job.status == JobStatus.NOT_APPLICABLE:
        return f"Nothing to do: {reason or 'not applicable'}."
    if job.status == JobStatus.CANCELLED:
        return "Cancelled; Retry runs it again."
    if job.status == JobStatus.IN_PROGRESS:
        return f"Running on {job.lease_owner or 'a worker'} since {_when(job.started_at)}."
    if job.status == JobStatus.DISPATCHED:
        return "Handed to the queue; a worker picks it up."
    return f"Waits until {_when(job.scheduled_for)}."
