# SPDX-License-Identifier: AGPL-3.0-or-later
from __future__ import annotations

import datetime as dt
from contextlib import ExitStack

import pytest
from django.core.management import call_command

from seatline.jobs.models import Job, JobStatus, ScheduledJob, ScheduleKind
from seatline.jobs.registry import handler_override
from seatline.jobs.scheduler import DEFAULT_SCHEDULES, iter_instants, run_now, seed_default_schedules, tick
from seatline.jobs.worker import Worker

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def at(day: int, hour: int = 0, minute: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=UTC)


def schedule(**fields) -> ScheduledJob:
    fields.setdefault("name", "test schedule")
    fields.setdefault("job_type", "test_echo")
    fields.setdefault("created_at", at(1))
    return ScheduledJob.objects.create(**fields)


def fired(sj: ScheduledJob) -> list[Job]:
    return list(Job.objects.filter(object_id=str(sj.pk), dedupe_key__startswith=f"{sj.pk}:").order_by("id"))


@pytest.fixture(autouse=True)
def _only_test_schedules():
    ScheduledJob.objects.all().delete()  # the seeded defaults would fire too


def test_a_daily_schedule_catches_up_each_missed_instant_once_after_two_days_down():
    sj = schedule(time_of_day=dt.time(0, 30), last_fired_for=at(10, 0, 30), parameters={"mode": "full"})
    created = tick(at(12, 9, 0))  # down since the 10th, 00:30
    assert [job.scheduled_for for job in created] == [at(11, 0, 30), at(12, 0, 30)]
    assert [job.parameters for job in created] == [
        {"mode": "full", "run_date": "2026-03-11", "scheduled_instant": "2026-03-11T00:30:00+00:00"},
        {"mode": "full", "run_date": "2026-03-12", "scheduled_instant": "2026-03-12T00:30:00+00:00"},
    ]
    assert [job.dedupe_key for job in created] == [
        f"{sj.pk}:2026-03-11T00:30:00+00:00",
        f"{sj.pk}:2026-03-12T00:30:00+00:00",
    ]
    assert all(job.related == sj and job.status == JobStatus.WAITING for job in created)
    sj.refresh_from_db()
    assert sj.last_fired_for == at(12, 0, 30)
    assert sj.next_run_at == at(13, 0, 30)
    assert tick(at(12, 9, 0)) == []
    assert tick(at(12, 23, 59)) == []
    assert len(fired(sj)) == 2
    assert [job.scheduled_for for job in tick(at(13, 0, 30))] == [at(13, 0, 30)]


def test_a_second_scheduler_with_a_stale_view_does_not_fire_again():
    sj = schedule(time_of_day=dt.time(1, 0), last_fired_for=at(10, 1))
    tick(at(11, 2))
    # Another scheduler that read the row before the first one saved it: the dedupe key holds.
    ScheduledJob.objects.filter(pk=sj.pk).update(last_fired_for=at(10, 1))
    assert [job.scheduled_for for job in tick(at(11, 2))] == [at(11, 1)]
    assert len(fired(sj)) == 1


def test_a_new_schedule_fires_from_its_creation_not_from_the_past():
    sj = schedule(time_of_day=dt.time(0, 5), created_at=at(10, 12))
    assert tick(at(10, 23)) == []
    assert [job.scheduled_for for job in tick(at(11, 0, 5))] == [at(11, 0, 5)]
    assert len(fired(sj)) == 1


def test_disabled_schedules_do_not_fire():
    schedule(enabled=False, last_fired_for=at(1))
    assert tick(at(12)) == []


def test_time_of_day_is_in_the_tenant_time_zone_across_a_dst_change():
    from seatline.configuration.models import Configuration

    config = Configuration.get()
    config.time_zone = "America/New_York"  # DST starts 2026-03-08
    config.save()
    sj = schedule(time_of_day=dt.time(0, 30), last_fired_for=at(6, 5, 30))
    created = tick(at(9, 12))
    assert [job.scheduled_for for job in created] == [at(7, 5, 30), at(8, 5, 30), at(9, 4, 30)]
    assert [job.parameters["run_date"] for job in created] == ["2026-03-07", "2026-03-08", "2026-03-09"]
    assert sj.pk


def test_weekly_monthly_and_interval_instants():
    weekly = ScheduledJob(kind=ScheduleKind.WEEKLY, weekday=0, time_of_day=dt.time(6))
    assert list(iter_instants(weekly, at(1), at(20))) == [at(2, 6), at(9, 6), at(16, 6)]
    monthly = ScheduledJob(kind=ScheduleKind.MONTHLY, day_of_month=31, time_of_day=dt.time(2))
    assert list(iter_instants(monthly, at(1, month=1), at(1, month=5))) == [
        dt.datetime(2026, 1, 31, 2, tzinfo=UTC),
        dt.datetime(2026, 2, 28, 2, tzinfo=UTC),
        dt.datetime(2026, 3, 31, 2, tzinfo=UTC),
        dt.datetime(2026, 4, 30, 2, tzinfo=UTC),
    ]
    interval = ScheduledJob(kind=ScheduleKind.INTERVAL, interval_minutes=15)
    assert list(iter_instants(interval, at(1, 10, 7), at(1, 10, 45))) == [
        at(1, 10, 15),
        at(1, 10, 30),
        at(1, 10, 45),
    ]


def test_scheduled_jobs_run_through_the_worker():
    sj = schedule(time_of_day=dt.time(0, 30), last_fired_for=at(10, 0, 30), parameters={"value": 3})
    tick(at(11, 1))
    assert Worker("w").run_until_idle() == 1
    (job,) = fired(sj)
    job.refresh_from_db()
    assert (job.status, job.results["echo"]) == (JobStatus.SUCCEEDED, 3)


def test_run_now_enqueues_a_job_without_changing_the_schedule(moving_clock):
    sj = schedule(last_fired_for=at(1))
    job = run_now(sj)
    assert job.parameters["manual"] is True
    assert job.parameters["run_date"] == moving_clock().date().isoformat()
    assert job.dedupe_key is None
    sj.refresh_from_db()
    assert sj.last_fired_for == at(1)


def test_scheduler_command_once(capsys, moving_clock):
    schedule(time_of_day=dt.time(0, 30), last_fired_for=moving_clock() - dt.timedelta(days=1, hours=1))
    call_command("scheduler", "--once")
    assert "fired 1 job(s)" in capsys.readouterr().out


def test_default_schedules_are_seeded_disabled_without_handler_and_enabled_when_one_appears(moving_clock):
    with ExitStack() as stack:
        for spec in DEFAULT_SCHEDULES:  # as on an installation without the billing handlers
            stack.enter_context(handler_override(spec["job_type"], None))
        check_seeding()
    ScheduledJob.objects.all().delete()
    with handler_override("provider_invoice_sync", lambda job: None):
        seed_default_schedules()
    assert ScheduledJob.objects.get(system_key="provider_invoice_sync_daily").enabled is True


def check_seeding() -> None:
    assert seed_default_schedules() == len(DEFAULT_SCHEDULES)
    assert set(ScheduledJob.objects.values_list("enabled", flat=True)) == {False}
    rows = {sj.system_key: sj for sj in ScheduledJob.objects.all()}
    assert {key: (sj.job_type, sj.time_of_day) for key, sj in rows.items()} == {
        "merge_slcl_daily": ("merge_scheduled_license_change_log", dt.time(0, 5)),
        "invoice_run_daily": ("invoice_run", dt.time(0, 30)),
        "change_log_invoice_run_daily": ("change_log_invoice_run", dt.time(1, 0)),
        "provider_invoice_sync_daily": ("provider_invoice_sync", dt.time(3, 0)),
        "payment_retries_daily": ("charge_invoice", dt.time(6, 0)),
    }
    assert all(sj.kind == ScheduleKind.DAILY for sj in rows.values())
    assert seed_default_schedules() == 0  # idempotent
    ScheduledJob.objects.update(enabled=False, disabled_for_missing_handler=True)
    with handler_override("provider_invoice_sync", lambda job: None):
        assert seed_default_schedules() == 1
    assert ScheduledJob.objects.get(system_key="provider_invoice_sync_daily").enabled is True
    assert ScheduledJob.objects.get(system_key="invoice_run_daily").enabled is False


def test_a_re_enabled_or_re_timed_schedule_starts_afresh_instead_of_catching_up(moving_clock):
    now = moving_clock()
    sj = schedule(time_of_day=dt.time(0, 30), last_fired_for=now - dt.timedelta(days=30), enabled=False)
    assert sj.next_run_at is None
    sj.enabled = True
    sj.save()
    assert sj.last_fired_for == now
    assert tick(now + dt.timedelta(hours=1)) == []
    sj.refresh_from_db()
    assert sj.next_run_at == dt.datetime(2026, 3, 11, 0, 30, tzinfo=UTC)
    # Re-timed to earlier in the day: today's new instant (already past) is not fired.
    ScheduledJob.objects.filter(pk=sj.pk).update(last_fired_for=dt.datetime(2026, 3, 10, 0, 30, tzinfo=UTC))
    sj.refresh_from_db()
    sj.time_of_day = dt.time(0, 45)
    sj.save()
    assert tick(now + dt.timedelta(hours=1)) == []
    # A scheduler that was down, by contrast, catches up.
    ScheduledJob.objects.filter(pk=sj.pk).update(last_fired_for=now - dt.timedelta(days=2))
    assert [job.scheduled_for for job in tick(now)] == [
        dt.datetime(2026, 3, 9, 0, 45, tzinfo=UTC),
        dt.datetime(2026, 3, 10, 0, 45, tzinfo=UTC),
    ]


def test_a_schedule_of_an_unknown_type_does_not_stop_the_others():
    broken = schedule(name="broken", last_fired_for=at(10))
    ScheduledJob.objects.filter(pk=broken.pk).update(job_type="gone")
    fine = schedule(name="fine", last_fired_for=at(10))
    assert [job.related for job in tick(at(11, 1))] == [fine]
