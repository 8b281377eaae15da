# SPDX-License-Identifier: AGPL-3.0-or-later
"""`seatline simulate FILE`: validate, run on a throwaway database, print the JSON result.

Exit status 0 when the scenario ran (refused events are part of the output), 2 for a malformed
file (one message on stderr naming the key and the line, nothing on stdout).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from django.conf import settings

EXIT_OK = 0
EXIT_MALFORMED = 2


def main(
    path: str,
    *,
    keep_db: bool = False,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    documents: str | None = None,
    outbox: str | None = None,
) -> int:
    """Run the scenario at `path`; `documents`: a directory for every issued document's PDF
    (``<seq>.pdf``), `outbox`: a directory for every e-mail sent (``<n>-<template>.eml``)."""
    from seatline.simulate.database import throwaway_database
    from seatline.simulate.runner import run_scenario
    from seatline.simulate.schema import ScenarioError, load_scenario

    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    try:
        scenario = load_scenario(path)
    except ScenarioError as exc:
        stderr.write(f"{Path(path).name}: {exc}\n")
        return EXIT_MALFORMED
    try:
        with throwaway_database(keep=keep_db) as location, _quiet_jobs(), _delivery(outbox):
            if keep_db:
                stderr.write(f"simulate: database kept at {location}\n")
            result = run_scenario(scenario, documents_dir=Path(documents) if documents else None)
    except ScenarioError as exc:  # static data the services refuse (e.g. a subscription)
        stderr.write(f"{Path(path).name}: {exc}\n")
        return EXIT_MALFORMED
    stdout.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return EXIT_OK


@contextmanager
def _delivery(outbox: str | None) -> Iterator[None]:
    """Files and e-mail of a simulation: stored files in a throwaway folder (like the database),
    e-mail never sent anywhere but recorded as .eml files (in `outbox`, numbered from 1)."""
    from django.test.utils import override_settings

    from seatline.notifications.backends import RecordingEmailBackend

    with tempfile.TemporaryDirectory(prefix="seatline-simulate-") as scratch:
        record_dir = str(Path(outbox).resolve()) if outbox else str(Path(scratch) / "outbox")
        RecordingEmailBackend.reset(record_dir)
        files = {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(Path(scratch) / "files")},
        }
        with override_settings(
            STORAGES={**settings.STORAGES, "default": files},
            EMAIL_BACKEND="seatline.notifications.backends.RecordingEmailBackend",
            SEATLINE_EMAIL_RECORD_DIR=record_dir,
        ):
            yield


@contextmanager
def _quiet_jobs() -> Iterator[None]:
    """The day-by-day jobs log every run at INFO: keep stderr for what matters (warnings and up),
    unless SEATLINE_LOG_LEVEL asks for more."""
    logger = logging.getLogger("seatline")
    jobs = logging.getLogger("seatline.jobs")
    previous = logger.level, jobs.level
    if "SEATLINE_LOG_LEVEL" not in os.environ:
        logger.setLevel(logging.WARNING)
        # The worker's notes on follow-up jobs without a handler (PDF, e-mail) are not about the
        # scenario; failed jobs are reported by the runner itself (seatline.simulate.runner).
        jobs.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(previous[0])
        jobs.setLevel(previous[1])
