# SPDX-License-Identifier: AGPL-3.0-or-later
"""Jobs a billing admin can read: a one-line reason, the business outcome, Retry on the job page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from seatline import clock
from seatline.jobs.models import Job, JobStatus
from seatline.jobs.readable import outcome, status_reason

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)


def job(**fields: object) -> Job:
    return Job.objects.create(job_type="sync_license_change_log", scheduled_for=NOW, **fields)


def test_a_failed_job_says_why_in_one_line_and_what_to_do() -> None:
    failed = job(
        status=JobStatus.FAILED,
        attempts=6,
        error="SMTPConnectError: (111, 'Connection refused')\nTraceback ...",
        results={"reason": "(111, 'Connection refused')", "traceback": ["Traceback", "..."]},
    )
    assert status_reason(failed) == (
        "Failed after 6 attempt(s): (111, 'Connection refused'); fix the cause, then press Retry."
    )
    assert outcome(failed) == "Failed"


def test_a_job_that_ran_but_whose_provisioning_failed_is_failed_business_wise() -> None:
    refused = job(
        status=JobStatus.SUCCEEDED,
        results={"provisioning_status": "failed", "code": "tenant_not_found", "message": "tenant not found"},
    )
    assert outcome(refused) == "Failed (ran, but refused)"
    assert status_reason(refused) == (
        "Ran, but the provider refused it: tenant not found (tenant_not_found). "
        "Retry it from its change log once fixed."
    )
    fine = job(status=JobStatus.SUCCEEDED, results={"provisioning_status": "provisioned"})
    assert outcome(fine) == "Succeeded"


def test_the_job_page_shows_the_reason_and_retries_a_failed_job(admin_client: Client) -> None:
    failed = job(status=JobStatus.FAILED, attempts=6, results={"reason": "the provider timed out"})
    page = admin_client.get(reverse("admin:jobs_job_change", args=[failed.pk])).content.decode()
    assert "Failed after 6 attempt(s): the provider timed out; fix the cause, then press Retry." in page
    with clock.frozen(NOW):
        response = admin_client.post(reverse("admin:jobs_job_do_retry-job", args=[failed.pk]), {"apply": "1"})
    assert response.status_code == 302
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (JobStatus.WAITING, 0)
