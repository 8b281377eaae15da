# SPDX-License-Identifier: AGPL-3.0-or-later
"""`seatline worker` as a real process: runs jobs, finishes the current one on SIGTERM, exits 0."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
from django.db import transaction

from seatline.jobs.models import Job, JobStatus
from seatline.jobs.services import enqueue
from tests.jobs.subprocesses import ROOT, database_for_subprocesses, subprocess_env


def wait_for(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail("timed out")
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_the_worker_process_finishes_its_job_on_sigterm_and_exits_cleanly(tmp_path):
    with database_for_subprocesses(tmp_path) as database_url:
        with transaction.atomic():
            quick = enqueue("test_echo", parameters={"value": 1})
            slow = enqueue("test_echo", parameters={"value": 2, "sleep": 1.5})
            after = enqueue("test_echo", parameters={"value": 3}, scheduled_for=slow.scheduled_for)
        log = tmp_path / "worker.log"
        command = [
            sys.executable,
            "-m",
            "seatline.cli",
            "worker",
            "--name",
            "proc",
            "--poll-interval",
            "0.1",
            "--import",
            "tests.jobs.handlers",
        ]
        with log.open("wb") as out:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=subprocess_env(database_url, tmp_path),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_for(lambda: Job.objects.get(pk=slow.pk).status == JobStatus.IN_PROGRESS)
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=15) == 0, log.read_text()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        statuses = dict(Job.objects.values_list("id", "status"))
        assert statuses[quick.pk] == JobStatus.SUCCEEDED
        assert statuses[slow.pk] == JobStatus.SUCCEEDED  # the running job was finished, not abandoned
        assert statuses[after.pk] == JobStatus.WAITING  # nothing new started after the signal
        running = Job.objects.get(pk=slow.pk)
        assert (running.lease_owner, running.results["echo"]) == ("", 2)
        assert "worker proc stopped" in log.read_text()
