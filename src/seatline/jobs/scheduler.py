# SPDX-License-Identifier: AGPL-3.0-or-later
"""The scheduler tick: turns due scheduled-job instants into Job rows, exactly once each.

For every enabled `ScheduledJob`, `tick(now)` enqueues one job per schedule instant in
(last_fired_for, now] -- a scheduler that was down for two days catches up each missed instant
once -- and moves `last_fired_for` to the last instant handled, in the same transaction. The row
is locked while it is handled (PostgreSQL ``FOR UPDATE``; SQLite serialises writers) and every
job carries the dedupe key ``"<scheduled job id>:<instant iso>"``, so two schedulers racing never
fire an instant twice.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from django.db import transaction

from seatline import clock
from seatline.errors import SeatlineError
from seatline.jobs.models import Job, ScheduledJob, ScheduleKind
from seatline.jobs.registry import has_handler
from seatline.jobs.services import enqueue

logger = logging.getLogger("seatline.jobs")

#: Instants fired per schedule per tick (the rest follow on the next ticks, still exactly once).
MAX_CATCH_UP = 400
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _zone() -> ZoneInfo:
    return ZoneInfo(clock.default_time_zone())


def _local_instant(day: dt.date, at: dt.time, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, at.replace(tzinfo=None), tzinfo=zone).astimezone(dt.UTC)


def _days_match(schedule: ScheduledJob, day: dt.date) -> bool:
    if schedule.kind == ScheduleKind.DAILY:
        return True
    if schedule.kind == ScheduleKind.WEEKLY:
        return day.weekday() == schedule.weekday
    if schedule.kind == ScheduleKind.MONTHLY:
        wanted = min(int(schedule.day_of_month or 1), calendar.monthrange(day.year, day.month)[1])
        return day.day == wanted
    raise ValueError(f"unknown schedule kind {schedule.kind!r}")


def iter_instants(schedule: ScheduledJob, after: dt.datetime, until: dt.datetime) -> Iterator[dt.datetime]:
    """Schedule instants (aware UTC) in (after, until], in order."""
    if schedule.kind == ScheduleKind.INTERVAL:
        step = dt.timedelta(minutes=int(schedule.interval_minutes or 0))
        if step <= dt.timedelta(0):
            return
        # Interval instants are multiples of the interval since the Unix epoch (UTC).
        instant = EPOCH + ((after - EPOCH) // step + 1) * step
        while instant <= until:
            yield instant
            instant += step
        return
    zone = _zone()
    at = schedule.time_of_day
    day = after.astimezone(zone).date()
    last_day = until.astimezone(zone).date()
    while day <= last_day:
        if _days_match(schedule, day):
            instant = _local_instant(day, at, zone)
            if after < instant <= until:
                yield instant
        day += dt.timedelta(days=1)


def next_instant(schedule: ScheduledJob, after: dt.datetime) -> dt.datetime | None:
    """The first schedule instant strictly after `after` (looks up to 400 days ahead)."""
    return next(iter_instants(schedule, after, after + dt.timedelta(days=400)), None)


def run_date(instant: dt.datetime) -> dt.date:
    """The billing date of an instant, in the tenant time zone."""
    return instant.astimezone(_zone()).date()


def dedupe_key(schedule: ScheduledJob, instant: dt.datetime) -> str:
    return f"{schedule.pk}:{instant.astimezone(dt.UTC).isoformat()}"


def fire(schedule: ScheduledJob, instant: dt.datetime, *, manual: bool = False) -> Job:
    """Enqueue the job of one schedule instant (idempotent per instant through the dedupe key)."""
    parameters = {
        **(schedule.parameters or {}),
        "run_date": run_date(instant).isoformat(),
        "scheduled_instant": instant.astimezone(dt.UTC).isoformat(),
    }
    if manual:
        parameters["manual"] = True
    return enqueue(
        schedule.job_type,
        parameters=parameters,
        scheduled_for=instant,
        dedupe_key=None if manual else dedupe_key(schedule, instant),
        related=schedule,
    )


def run_now(schedule: ScheduledJob) -> Job:
    """Fire a scheduled job at once ("Run now"), outside its schedule; the schedule is unchanged."""
    return fire(schedule, clock.now(), manual=True)


def tick(now: dt.datetime | None = None) -> list[Job]:
    """Fire every due instant of every enabled scheduled job; returns the jobs created."""
    now = now or clock.now()
    created: list[Job] = []
    for pk in ScheduledJob.objects.filter(enabled=True).order_by("id").values_list("id", flat=True):
        try:
            created.extend(_tick_one(pk, now))
        except SeatlineError as exc:  # e.g. a job type no longer known: the other schedules still fire
            logger.error("scheduled job %s not fired: %s", pk, exc)
    from seatline.jobs.dispatch import dispatch_waiting_jobs

    dispatch_waiting_jobs()
    return created


def _tick_one(pk: int, now: dt.datetime) -> list[Job]:
    created: list[Job] = []
    with transaction.atomic():
        schedule = ScheduledJob.objects.select_for_update().filter(pk=pk, enabled=True).first()
        if schedule is None:
            return created
        after = schedule.last_fired_for or schedule.created_at
        last = None
        for instant in iter_instants(schedule, after, now):
            created.append(fire(schedule, instant))
            last = instant
            if len(created) >= MAX_CATCH_UP:
                break
        if last is not None:
            schedule.last_fired_for = last
        schedule.save(update_fields=["last_fired_for"])  # also recomputes next_run_at
    if created:
        logger.info("scheduled job %r fired %s instant(s)", schedule.name, len(created))
    return created


# --- default definitions -------------------------------------------------------------------------

DEFAULT_SCHEDULES: tuple[dict, ...] = (
    {
        "system_key": "merge_slcl_daily",
        "name": "Merge scheduled license change logs (daily)",
        "job_type": "merge_scheduled_license_change_log",
        "time_of_day": dt.time(0, 5),
        "description": "Merges scheduled license change logs whose effective date has come.",
    },
    {
        "system_key": "invoice_run_daily",
        "name": "Generate full cycle invoices (daily)",
        "job_type": "invoice_run",
        "time_of_day": dt.time(0, 30),
        "description": "Invoices every contract whose next invoice date is the run date.",
    },
    {
        "system_key": "change_log_invoice_run_daily",
        "name": "Generate change log invoices (daily)",
        "job_type": "change_log_invoice_run",
        "time_of_day": dt.time(1, 0),
        "description": "Runs daily; the handler decides per contract whether the run date is its change log invoice day.",
    },
    {
        "system_key": "provider_invoice_sync_daily",
        "name": "Sync provider invoices (daily)",
        "job_type": "provider_invoice_sync",
        "time_of_day": dt.time(3, 0),
        "description": "Downloads new provider invoices (every 24 hours).",
    },
    {
        "system_key": "payment_retries_daily",
        "name": "Retry invoice payments (daily)",
        "job_type": "charge_invoice",
        "time_of_day": dt.time(6, 0),
        "parameters": {"mode": "retry_due_payments"},
        "description": "Charges auto-charge invoices whose payment is due or failed earlier.",
    },
)


def seed_default_schedules() -> int:
    """Create the missing default schedules (disabled when their job type has no handler yet).

    A default left disabled only for lack of a handler is enabled once a handler is installed,
    unless someone changed it since. Disable a default rather than delete it: a deleted default
    comes back at the next migrate. Returns the number of rows created or enabled.
    """
    changed = 0
    now = clock.now()
    for spec in DEFAULT_SCHEDULES:
        handler = has_handler(spec["job_type"])
        existing = ScheduledJob.objects.filter(system_key=spec["system_key"]).first()
        if existing is None:
            if ScheduledJob.objects.filter(name=spec["name"]).exists():
                continue
            ScheduledJob.objects.create(
                system_key=spec["system_key"],
                name=spec["name"],
                job_type=spec["job_type"],
                kind=ScheduleKind.DAILY,
                time_of_day=spec["time_of_day"],
                parameters=spec.get("parameters", {}),
                description=spec["description"],
                enabled=handler,
                disabled_for_missing_handler=not handler,
                created_at=now,
                last_fired_for=now,
            )
            changed += 1
        elif existing.disabled_for_missing_handler and handler and not existing.enabled:
            existing.enabled = True
            existing.disabled_for_missing_handler = False
            existing.last_fired_for = now  # no catch-up for the time it could not run
            existing.save(update_fields=["enabled", "disabled_for_missing_handler", "last_fired_for"])
            changed += 1
    return changed
