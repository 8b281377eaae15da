# SPDX-License-Identifier: AGPL-3.0-or-later
"""`seatline serve`: the production web server (gunicorn, static files by WhiteNoise).

It collects the static files into the data directory, closes the database connections the
start-up opened (workers are forked), then runs gunicorn in this process: SIGTERM / SIGINT stop it
gracefully (running requests finish). The demo serves through the same command.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.wsgi import get_wsgi_application
from django.db import connections

from seatline import conf


def default_workers() -> int:
    return conf.env_int(os.environ, "SEATLINE_WEB_WORKERS", 2, minimum=1)


def default_threads() -> int:
    return conf.env_int(os.environ, "SEATLINE_WEB_THREADS", 4, minimum=1)


def bind_address(addr: str) -> str:
    """`PORT`, `HOST:PORT`, `[IPv6]:PORT` or `unix:/path` as gunicorn's bind value."""
    if addr.startswith("unix:"):
        return addr
    if addr.isdigit():
        return f"127.0.0.1:{addr}"
    host, sep, port = addr.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise CommandError(f"{addr!r} is not HOST:PORT (e.g. 127.0.0.1:8000 or 0.0.0.0:8000)")
    return addr


def gunicorn_options(options: dict[str, Any]) -> dict[str, Any]:
    threads = options["threads"]
    return {
        "bind": [bind_address(options["addr"])],
        "workers": options["workers"],
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "timeout": options["timeout"],
        "graceful_timeout": 30,
        "keepalive": 5,
        "max_requests": options["max_requests"],
        "max_requests_jitter": options["max_requests"] // 10 if options["max_requests"] else 0,
        "accesslog": "-" if options["access_log"] else None,
        "errorlog": "-",
        "loglevel": "info",
        "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
        "proc_name": "seatline",
        "control_socket_disable": True,  # no gunicornc socket shared in $HOME by every instance
    }


class Command(BaseCommand):
    help = "Serve Seatline (back office and API) with gunicorn; static files by WhiteNoise."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "addr",
            nargs="?",
            default=os.environ.get("SEATLINE_BIND", "127.0.0.1:8000"),
            help="HOST:PORT, PORT or unix:PATH (default 127.0.0.1:8000, env SEATLINE_BIND)",
        )
        parser.add_argument(
            "--workers", type=int, default=default_workers(), help="processes (env SEATLINE_WEB_WORKERS, 2)"
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=default_threads(),
            help="threads per process (env SEATLINE_WEB_THREADS, 4)",
        )
        parser.add_argument("--timeout", type=int, default=60, help="seconds before a stuck worker restarts")
        parser.add_argument(
            "--max-requests", type=int, default=0, help="restart a worker after N requests (0: never)"
        )
        parser.add_argument("--access-log", action="store_true", help="log every request to stderr")
        parser.add_argument(
            "--no-collectstatic", action="store_true", help="skip collecting static files at start"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["workers"] < 1 or options["threads"] < 1:
            raise CommandError("--workers and --threads must be at least 1")
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        connections.close_all()  # the workers are forked: they open their own connections
        from gunicorn.app.base import BaseApplication

        application = get_wsgi_application()  # what seatline.wsgi serves, settings already loaded

        settings = gunicorn_options(options)

        class SeatlineServer(BaseApplication):  # type: ignore[misc]
            def load_config(self) -> None:
                for key, value in settings.items():
                    if value is not None:
                        self.cfg.set(key, value)

            def load(self) -> Any:
                return application

        self.stdout.write(
            f"Serving Seatline on {', '.join(settings['bind'])} "
            f"({settings['workers']} worker(s) x {settings['threads']} thread(s))"
        )
        self.stdout.flush()
        SeatlineServer().run()
