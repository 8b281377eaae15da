# SPDX-License-Identifier: AGPL-3.0-or-later
"""The `seatline` command: Seatline's own subcommands plus every Django management command."""

from __future__ import annotations

import os
import sys

# Seatline's subcommands (the hyphenated spelling is the documented one).
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("demo", "migrate, load the demo tenant, start worker, simulator and server"),
    "serve": ("serve", "run the production web server (gunicorn: back office and API)"),
    "worker": ("worker", "run the embedded job worker"),
    "scheduler": ("scheduler", "fire scheduled jobs (invoice runs, merges, syncs)"),
    "simulate": ("simulate", "run a billing scenario file and print the result as JSON"),
    "invoice-run": ("invoice_run", "generate every invoice due on a date"),
    "provider-invoice": ("provider_invoice", "sync a provider invoice, or import a provider's file"),
    "reconcile": ("reconcile", "print a provider invoice's reconciliation (groups, unmapped lines)"),
    "invoice": (
        "invoice",
        "a document's PDF (`invoice pdf NUMBER [-o FILE]`) or e-mail (`invoice send NUMBER`)",
    ),
    "simulator": ("simulator", "run a simulator: partner-center, stripe, gocardless, authorizenet, pax8"),
    "rotate-secrets": ("rotate_secrets", "re-encrypt stored secrets with the newest Fernet key"),
    "migrate": ("migrate", "create or update the database schema"),
    "createsuperuser": ("createsuperuser", "create a back-office administrator"),
}


def usage() -> str:
    lines = ["usage: seatline <command> [options]", "", "Seatline commands:"]
    width = max(len(name) for name in SUBCOMMANDS)
    for name, (_, text) in SUBCOMMANDS.items():
        lines.append(f"  {name.ljust(width)}  {text}")
    lines += [
        "",
        "Every Django management command works too (`seatline help --commands` lists them).",
        "`seatline <command> --help` describes a command's options.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help"}:
        print(usage())
        return
    if args[0] in {"--version", "version"}:
        from seatline import __version__

        print(__version__)
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seatline.settings")
    if args[0] == "demo":
        # The demo is served over plain HTTP on the loopback: no Secure cookies, no HSTS.
        os.environ.setdefault("SEATLINE_HTTPS", "false")
        # Its e-mail (reminders, invoices) is written to files in the data directory (sent-email/):
        # the demo has no SMTP server. Worker and scheduler inherit this.
        os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
    command = SUBCOMMANDS.get(args[0], (args[0], ""))[0]
    from django.core.management import execute_from_command_line
    from django.db import DatabaseError

    try:
        execute_from_command_line(["seatline", command, *args[1:]])
    except DatabaseError as error:
        if not missing_table(error):
            raise
        from django.conf import settings

        print(
            f"seatline {args[0]}: the database ({settings.DATABASES['default']['NAME']}) is not set up: "
            f"{error}.\nRun `./run seatline migrate` (or `./run demo` for the demo tenant) first; "
            "SEATLINE_DATA_DIR or DATABASE_URL choose the database.",
            file=sys.stderr,
        )
        sys.exit(1)


def missing_table(error: Exception) -> bool:
    """Whether a database error says a table is missing (SQLite or PostgreSQL): not migrated."""
    text = str(error)
    return "no such table" in text or ("relation" in text and "does not exist" in text)


if __name__ == "__main__":
    main()
