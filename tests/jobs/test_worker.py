# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from seatline.jobs.execution import reap_expired_leases, retry_delay
from seatline.jobs.models import Job, JobStatus
from seatline.jobs.registry import handler_override, job_handler
from seatline.jobs.selectors import jobs_without_handler
from seatline.jobs.services import enqueue
from seatline.jobs.worker import Worker
from tests.jobs import handlers
from tests.jobs.conftest import T0
from tests.jobs.handlers import earlier_unhandled_job

pytestmark = pytest.mark.django_db


def test_a_successful_job_stores_the_handler_results(moving_clock):
    job = enqueue("test_echo", parameters={"value": "hi"})
    moving_clock.advance(dt.timedelta(seconds=3))
    assert Worker("w1").run_until_idle() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert job.attempts == 1
    assert job.results["echo"] == "hi"
    assert job.results["attempt"] == 1
    assert job.started_at == T0 + dt.timedelta(seconds=3)
    assert job.finished_at == T0 + dt.timedelta(seconds=3)
    assert job.lease_owner == ""
    assert job.lease_expires_at is None
    assert job.error == ""


def test_a_handler_returning_none_succeeds_with_empty_results():
    job = enqueue("test_echo", parameters={"return_none": True})
    Worker("w1").run_until_idle()
    job.refresh_from_db()
    assert (job.status, job.results) == (JobStatus.SUCCEEDED, {})


def test_a_job_scheduled_for_later_waits_until_due(moving_clock):
    job = enqueue("test_echo", scheduled_for=T0 + dt.timedelta(hours=1))
    worker = Worker("w1")
    assert worker.run_until_idle() == 0
    moving_clock.advance(dt.timedelta(hours=1))
    assert worker.run_until_idle() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED


def test_failures_retry_with_exponential_backoff_then_fail_after_five_retries(moving_clock):
    job = enqueue("test_echo", parameters={"fail_times": 99})
    worker = Worker("w1")
    delays = []
    for attempt in range(1, 6):
        assert worker.run_until_idle() == 1
        job.refresh_from_db()
        assert job.status == JobStatus.RETRY
        assert job.get_status_display() == "Retry"
        assert job.attempts == attempt
        assert job.error == f"RuntimeError: boom on attempt {attempt}"
        delays.append((job.scheduled_for - moving_clock()).total_seconds())
        assert worker.run_until_idle() == 0  # not due during the backoff
        moving_clock.set(job.scheduled_for)
    assert delays == [30, 60, 120, 240, 480]
    assert worker.run_until_idle() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.attempts == 6
    assert job.finished_at == moving_clock()
    assert job.error == "RuntimeError: boom on attempt 6"
    assert job.results["reason"] == "boom on attempt 6"
    assert job.results["error_type"] == "builtins.RuntimeError"
    assert job.results["attempt"] == 6
    assert job.results["traceback"][-1] == "RuntimeError: boom on attempt 6"
    assert [(job.pk, n) for n in range(1, 7)] == handlers.RUNS


def test_a_job_that_fails_then_succeeds(moving_clock):
    job = enqueue("test_echo", parameters={"fail_times": 2, "value": 7})
    worker = Worker("w1")
    for _ in range(3):
        worker.run_until_idle()
        moving_clock.advance(dt.timedelta(hours=1))
    job.refresh_from_db()
    assert (job.status, job.attempts, job.results["echo"], job.error) == (JobStatus.SUCCEEDED, 3, 7, "")


def test_backoff_is_configurable_and_capped(settings):
    settings.SEATLINE_JOB_RETRY_BASE_SECONDS = 10
    settings.SEATLINE_JOB_RETRY_MAX_SECONDS = 50
    assert [retry_delay(n).total_seconds() for n in range(1, 6)] == [10, 20, 40, 50, 50]


def test_not_applicable_ends_the_job_with_the_reason():
    job = enqueue("test_echo", parameters={"not_applicable": "nothing to merge"})
    Worker("w1").run_until_idle()
    job.refresh_from_db()
    assert job.status == JobStatus.NOT_APPLICABLE
    assert job.get_status_display() == "Not Applicable"
    assert job.results == {"reason": "nothing to merge"}
    assert job.attempts == 1


def test_a_permanent_error_fails_at_once():
    job = enqueue("test_echo", parameters={"permanent": "contract deleted"})
    Worker("w1").run_until_idle()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.attempts == 1
    assert job.error == "contract deleted"
    assert job.results["reason"] == "contract deleted"
    assert job.results["error_type"] == "seatline.jobs.registry.PermanentJobError"


def test_a_type_without_handler_stays_waiting_and_is_reported():
    job = earlier_unhandled_job()
    handled = enqueue("test_echo")
    worker = Worker("w1")
    assert worker.run_until_idle() == 1
    job.refresh_from_db()
    handled.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.WAITING, 0)
    assert handled.status == JobStatus.SUCCEEDED
    assert jobs_without_handler().get("test_unhandled") == 1
    assert worker.report_missing_handlers()["test_unhandled"] == 1
    # Once a handler is installed, the job runs.
    with handler_override("test_unhandled", lambda job: {"late": True}):
        assert worker.run_until_idle() == 1
    job.refresh_from_db()
    assert (job.status, job.results) == (JobStatus.SUCCEEDED, {"late": True})


def test_the_handler_runs_in_its_own_transaction_its_writes_roll_back_on_failure():
    job = enqueue("test_echo", parameters={"child": True, "fail_times": 1})
    worker = Worker("w1")
    worker.run_until_idle()
    job.refresh_from_db()
    assert job.status == JobStatus.RETRY
    assert Job.objects.filter(job_type="test_child").count() == 0  # rolled back with the failure


def test_run_until_idle_also_runs_the_jobs_that_handlers_enqueue():
    job = enqueue("test_echo", parameters={"child": True})
    assert Worker("w1").run_until_idle() == 2
    child = Job.objects.get(job_type="test_child")
    assert child.parent_id == job.pk
    assert (child.status, child.results) == (JobStatus.SUCCEEDED, {"parent": job.pk})


def test_jobs_run_in_scheduled_order():
    late = enqueue("test_echo", scheduled_for=T0 - dt.timedelta(minutes=1))
    early = enqueue("test_echo", scheduled_for=T0 - dt.timedelta(minutes=2))
    Worker("w1").run_until_idle()
    assert [pk for pk, _ in handlers.RUNS] == [early.pk, late.pk]


def test_a_claimed_job_is_not_claimed_by_another_worker(moving_clock):
    job = enqueue("test_echo")
    first, second = Worker("a"), Worker("b")
    claimed = first.claim()
    assert claimed is not None and claimed.pk == job.pk
    assert (claimed.status, claimed.lease_owner) == (JobStatus.IN_PROGRESS, "a")
    assert claimed.lease_expires_at == T0 + dt.timedelta(seconds=60)
    assert second.claim() is None
    assert second.run_until_idle() == 0


def test_the_reaper_returns_a_job_whose_lease_expired(moving_clock):
    job = enqueue("test_echo")
    dead = Worker("dead", lease_seconds=60)
    claimed = dead.claim()  # the worker dies without running it
    moving_clock.advance(dt.timedelta(seconds=60))
    assert reap_expired_leases() == 0  # not expired yet
    moving_clock.advance(dt.timedelta(seconds=1))
    assert reap_expired_leases() == 1
    job.refresh_from_db()
    assert (job.status, job.attempts, job.lease_owner) == (JobStatus.WAITING, 1, "")
    assert "dead" in job.error
    assert Worker("alive").run_until_idle() == 1
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.SUCCEEDED, 2)
    # The dead worker coming back cannot record anything any more.
    assert dead.run_job(claimed) == "lease_lost"
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.SUCCEEDED, 2)


def test_the_reaper_fails_a_job_that_used_all_its_attempts(moving_clock):
    job = enqueue("test_echo")
    Job.objects.filter(pk=job.pk).update(attempts=5)
    Worker("dead").claim()
    moving_clock.advance(dt.timedelta(minutes=5))
    assert reap_expired_leases() == 1
    job.refresh_from_db()
    assert (job.status, job.attempts, job.finished_at) == (JobStatus.FAILED, 6, moving_clock())


def test_the_reaper_returns_a_lost_dispatch_to_waiting(moving_clock):
    job = enqueue("test_echo")
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.DISPATCHED, lease_owner="celery-dispatcher", lease_expires_at=T0
    )
    moving_clock.advance(dt.timedelta(seconds=1))
    assert reap_expired_leases() == 1
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.WAITING, 0)


def test_job_handler_refuses_unknown_types_and_a_second_handler():
    with pytest.raises(ValueError, match="unknown job type"):
        job_handler("no_such_type")(lambda job: None)
    with pytest.raises(ValueError, match="already has a handler"):
        job_handler("test_echo")(lambda job: None)


def test_worker_command_once_runs_the_due_jobs(capsys):
    enqueue("test_echo")
    earlier_unhandled_job()
    call_command("worker", "--once", "--name", "cmd")
    out = capsys.readouterr().out
    assert "ran 1 job(s)" in out
    assert "1 job(s) of type test_unhandled: no handler installed" in out


def test_a_handler_with_its_own_transactions_keeps_its_commits_when_it_fails():
    job = enqueue("test_own_transactions", parameters={"fail_times": 1})
    worker = Worker("w1")
    worker.run_until_idle()
    job.refresh_from_db()
    assert (job.status, job.attempts, job.error) == (JobStatus.RETRY, 1, "RuntimeError: boom on attempt 1")
    # unlike an atomic handler (see above), the child it committed before failing stays
    assert list(Job.objects.filter(job_type="test_child").values_list("parameters", flat=True)) == [
        {"from": job.pk, "attempt": 1}
    ]
