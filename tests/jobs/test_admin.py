# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

import pytest
from django.urls import reverse

from seatline.jobs.models import Job, JobStatus, ScheduledJob
from seatline.jobs.services import enqueue
from tests.jobs.handlers import earlier_unhandled_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("admin", "admin@example.invalid", "pw")
    client.force_login(user)
    return client


def test_job_changelist_shows_type_status_and_missing_handlers(staff_client):
    enqueue("test_echo", parameters={"contract": "C-1001"})
    earlier_unhandled_job()
    response = staff_client.get(reverse("admin:jobs_job_changelist"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Test Echo" in body
    assert "Test Unhandled (no handler installed)" in body
    assert "Waiting" in body


def test_job_search_finds_parameters_text_and_keeps_filters(staff_client):
    wanted = enqueue("test_echo", parameters={"contract": "C-1001"})
    enqueue("test_echo", parameters={"contract": "C-2002"})
    failed = enqueue("test_echo", parameters={"contract": "C-1001-B"})
    Job.objects.filter(pk=failed.pk).update(status=JobStatus.FAILED)
    url = reverse("admin:jobs_job_changelist")
    response = staff_client.get(url, {"q": "C-1001", "status__exact": "waiting"})
    assert response.status_code == 200
    assert [job.pk for job in response.context["cl"].result_list] == [wanted.pk]


def test_job_detail_page_renders(staff_client):
    job = enqueue("test_echo", parameters={"value": 1})
    response = staff_client.get(reverse("admin:jobs_job_change", args=[job.pk]))
    assert response.status_code == 200
    assert "installed" in response.content.decode()


def test_cancel_and_retry_actions_call_the_services(staff_client):
    waiting = enqueue("test_echo")
    done = enqueue("test_echo")
    Job.objects.filter(pk=done.pk).update(status=JobStatus.SUCCEEDED)
    url = reverse("admin:jobs_job_changelist")
    response = staff_client.post(
        url, {"action": "cancel_selected", "_selected_action": [waiting.pk, done.pk]}, follow=True
    )
    messages = [str(m) for m in response.context["messages"]]
    assert (
        f"Job #{done.pk}: job #{done.pk} is Succeeded; only Waiting, Dispatched or Retry jobs can be cancelled"
        in messages
    )
    assert "1 job(s) cancelled." in messages
    waiting.refresh_from_db()
    assert waiting.status == JobStatus.CANCELLED
    response = staff_client.post(
        url, {"action": "retry_selected", "_selected_action": [waiting.pk]}, follow=True
    )
    assert "1 job(s) put back to Waiting." in [str(m) for m in response.context["messages"]]
    waiting.refresh_from_db()
    assert waiting.status == JobStatus.WAITING


def test_scheduled_job_run_now_action_and_edit_form(staff_client):
    ScheduledJob.objects.all().delete()
    schedule = ScheduledJob.objects.create(name="Echo nightly", job_type="test_echo", parameters={"value": 5})
    url = reverse("admin:jobs_scheduledjob_changelist")
    response = staff_client.post(
        url, {"action": "run_now_selected", "_selected_action": [schedule.pk]}, follow=True
    )
    job = Job.objects.get()
    assert [str(m) for m in response.context["messages"]] == [f"Echo nightly: job #{job.pk} enqueued."]
    assert job.parameters["value"] == 5
    assert job.related == schedule
    response = staff_client.get(reverse("admin:jobs_scheduledjob_change", args=[schedule.pk]))
    assert response.status_code == 200
    response = staff_client.post(
        reverse("admin:jobs_scheduledjob_change", args=[schedule.pk]),
        {
            "name": "Echo weekly",
            "job_type": "test_echo",
            "parameters": '{"value": 6}',
            "enabled": "on",
            "description": "",
            "kind": "weekly",
            "time_of_day": "02:00",
            "weekday": "",
            "day_of_month": "",
            "interval_minutes": "",
        },
    )
    assert response.status_code == 200  # weekly needs a weekday: the form is shown again
    assert "a weekly schedule needs a weekday" in response.content.decode()
