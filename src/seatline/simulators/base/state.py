# SPDX-License-Identifier: AGPL-3.0-or-later
"""A simulator's stores, clock and JSON persistence.

All resources are kept as JSON-ready documents (datetimes as ISO strings, money as Decimal) in
one dictionary, so saving is one `dumps` and a restart reloads exactly what was served. Every
request runs under `BaseState.lock`; the server saves after each mutating request with an atomic
write (temporary file + rename). A vendor subclasses `BaseState` and says what a fresh state holds.
"""

from __future__ import annotations

import datetime as dt
import os
import pathlib
import tempfile
import threading
import uuid
from typing import Any

from seatline import clock
from seatline.simulators.base import jsonio
from seatline.simulators.base.clock import SimClock, fmt_instant, parse_instant


def new_id() -> str:
    return str(uuid.uuid4())


def new_etag() -> str:
    return uuid.uuid4().hex


class BaseState:
    """Stores + clock + persistence. Hold `lock` while reading or changing anything."""

    STATE_VERSION = 1

    def __init__(self, path: pathlib.Path | None = None, start_time: dt.datetime | None = None) -> None:
        self.lock = threading.RLock()
        self.path = path
        self._start_time = start_time
        if path is not None and path.exists():
            self.data: dict[str, Any] = jsonio.loads(path.read_text(encoding="utf-8"))
            if self.data.get("version") != self.STATE_VERSION:
                raise ValueError(f"{path}: unsupported simulator state version {self.data.get('version')!r}")
            self.clock = SimClock(parse_instant(self.data["now"]))
            self.loaded()
        else:
            start = start_time or self._default_start()
            self.clock = SimClock(start)
            self.data = self.fresh(start)

    def fresh(self, now: dt.datetime) -> dict[str, Any]:
        """The stores of an empty simulator (must hold "version", "now" and "config")."""
        return {"version": self.STATE_VERSION, "now": fmt_instant(now), "config": {}, "faults": []}

    def loaded(self) -> None:
        """Called after a state file was read (adjust options given on the command line)."""

    @staticmethod
    def _default_start() -> dt.datetime:
        return clock.now().replace(microsecond=0)

    # -- accessors -------------------------------------------------------------------------
    def now(self) -> dt.datetime:
        return self.clock.now()

    def set_now(self, value: dt.datetime) -> None:
        self.clock.set(value)
        self.data["now"] = fmt_instant(value)

    @property
    def config(self) -> dict[str, Any]:
        config: dict[str, Any] = self.data["config"]
        return config

    def reset(self) -> None:
        start = self._start_time or self._default_start()
        self.clock = SimClock(start)
        self.data = self.fresh(start)

    # -- persistence -----------------------------------------------------------------------
    def save(self) -> None:
        if self.path is None:
            return
        self.data["now"] = fmt_instant(self.now())
        text = jsonio.dumps(self.data, indent=1)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            pathlib.Path(tmp).unlink(missing_ok=True)
            raise
