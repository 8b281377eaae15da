# SPDX-License-Identifier: AGPL-3.0-or-later
"""Benchmark of the invoice run on PostgreSQL (bench/README.md): the whole comparison is

    .venv/bin/python bench/invoice_run.py --peer ../shared/peers/silver

1. Per subscriptions-per-contract count of `--runs SUBSxWORKERS ...` (default 10x1 10x2 1x2), a
   seed database migrated and seeded fast (bulk_create, COPY; not timed): 10,000 monthly
   contracts in advance from 2026-01-01, US/CA accounts with two tax rates.
2. Sample (one process, on a clone of the first seed): one chunk job of `--sample` contracts with
   its SQL statements counted and timed, then a cProfile of a chunk of `--profile` others.
3. Per run: a fresh clone, N `seatline worker` processes waited for until connected, the invoice
   run of 2026-01-05 enqueued and timed until every run job is finished; peak worker RSS, worker
   CPU, load average; then a COPY of as many invoice-line rows into a scratch table (the limit).
4. `--peer DIR`: the peer harness right after, on the same PostgreSQL server.

Not run in CI. The databases are dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import os
import pstats
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

START = dt.date(2026, 1, 1)
RUN_DATE = dt.date(2026, 1, 5)
PREFIX = "seatline_bench"  # --db-prefix: the databases are PREFIX_seed, PREFIX_sample, PREFIX_runN
SEED_DB = f"{PREFIX}_seed"
PRICES = [Decimal(p) for p in ("6.00", "12.00", "12.50", "22.50", "36.00", "57.20")]
RUN_TYPES = ("invoice_run", "invoice_run_chunk")


def admin(dsn: str) -> psycopg.Connection:
    return psycopg.connect(f"{dsn}/postgres", autocommit=True)


def create_database(dsn: str, name: str, template: str | None = None) -> None:
    with admin(dsn) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


def drop_database(dsn: str, name: str) -> None:
    with admin(dsn) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def use_database(name: str) -> None:
    """Point Django's default connection at database `name`."""
    from django.db import connections

    connections.close_all()
    connections["default"].settings_dict["NAME"] = name


def copy_models(model: type, objects: list) -> None:
    """COPY model instances (explicit primary keys) into the model's table."""
    from django.db import connection

    fields = list(model._meta.concrete_fields)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj in objects:
                copy.write_row([f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields])
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{model._meta.db_table}', 'id'), (SELECT max(id) FROM {table}))"
        )


def seed_tenant(contracts: int, subs: int, rng: random.Random) -> None:
    from django.utils import timezone

    from seatline.configuration.models import Configuration
    from seatline.contracts.models import BillingContract
    from seatline.customers.models import Account
    from seatline.subscriptions.models import LicenseChangeLog, Subscription
    from seatline.taxes.models import TaxRate, TaxRateGroup

    now = timezone.now()
    Configuration.objects.update_or_create(pk=1, defaults={"auto_issue_invoices": True})
    group = TaxRateGroup.objects.create(name="California", country="US", region="CA")
    TaxRate.objects.create(group=group, name="State", percent=Decimal("6.00"), position=1)
    TaxRate.objects.create(group=group, name="County", percent=Decimal("1.25"), position=2)
    accounts = Account.objects.bulk_create(
        [
            Account(
                name=f"Customer {n:05d}",
                country="US",
                region="CA",
                currency="USD",
                city="Fresno",
                created_at=now,
                updated_at=now,
            )
            for n in range(contracts)
        ],
        batch_size=2000,
    )
    billing = BillingContract.objects.bulk_create(
        [
            BillingContract(
                name=f"CSP {n:05d}",
                account=account,
                frequency="monthly",
                policy="advance",
                start_date=START,
                currency="USD",
                created_at=now,
                updated_at=now,
            )
            for n, account in enumerate(accounts)
        ],
        batch_size=2000,
    )
    subscriptions, changes = [], []
    for contract in billing:
        for s in range(subs):
            pk = len(subscriptions) + 1
            quantity, price = rng.randint(1, 50), rng.choice(PRICES)
            sub = Subscription(
                id=pk,
                contract_id=contract.pk,
                account_id=contract.account_id,
                name=f"Microsoft 365 plan {s}",
                quantity=quantity,
                price=price,
                cost=Decimal(0),
                currency="USD",
                start_date=START,
                markup_percent=Decimal(0),
                created_at=now,
                updated_at=now,
            )
            subscriptions.append(sub)
            changes.append(
                LicenseChangeLog(
                    id=pk,
                    subscription_id=pk,
                    kind=LicenseChangeLog.Kind.CREATE,
                    effective_date=START,
                    delta=quantity,
                    quantity_after=quantity,
                    price=price,
                    cost=Decimal(0),
                    sales_unit=sub.sales_unit,
                    currency="USD",
                    created_at=now,
                    updated_at=now,
                )
            )
    copy_models(Subscription, subscriptions)
    copy_models(LicenseChangeLog, changes)
    with psycopg.connect(connection_dsn()) as conn:
        conn.execute("ANALYZE")


def connection_dsn() -> str:
    from django.db import connection

    s = connection.settings_dict
    return f"postgresql://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def statement_key(sql: str) -> str:
    """SAVEPOINT / INSERT INTO t / UPDATE t / SELECT ... FROM t (the statement's kind and table)."""
    words = sql.replace('"', "").split()
    verb = words[0].upper() if words else "?"
    if verb in ("INSERT", "DELETE"):
        return f"{verb} {words[2]}"
    if verb == "UPDATE":
        return f"UPDATE {words[1]}"
    if verb == "SELECT" and "FROM" in words:
        suffix = " FOR UPDATE" if "FOR UPDATE" in sql else ""
        return f"SELECT {words[words.index('FROM') + 1]}{suffix}"
    return verb


def run_chunk_in_process(contract_ids: list[int]) -> int:
    """Enqueue and run one chunk job in this process; returns the invoices it created."""
    from django.db import transaction

    from seatline.invoicing.models import Invoice
    from seatline.jobs.execution import run_job_by_id
    from seatline.jobs.services import enqueue

    before = Invoice.objects.count()
    with transaction.atomic():
        job = enqueue(
            "invoice_run_chunk",
            parameters={"run_date": RUN_DATE.isoformat(), "contract_ids": contract_ids},
        )
    # this chunk job itself (a plain worker would take the Create PDF jobs of earlier chunks)
    assert run_job_by_id(job.pk, "bench-sample") == "succeeded"
    return Invoice.objects.count() - before


def sample(dsn: str, seed_db: str, sample_size: int, profile_size: int, top: int) -> dict:
    from django.db import connection

    from seatline.contracts.models import BillingContract

    create_database(dsn, f"{PREFIX}_sample", template=seed_db)
    use_database(f"{PREFIX}_sample")
    ids = list(BillingContract.objects.order_by("id").values_list("id", flat=True))
    counted = {"n": 0}
    by_statement: dict[str, list[float]] = {}

    def count(execute, sql, params, many, context):
        counted["n"] += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            key = statement_key(sql)
            by_statement.setdefault(key, []).append(time.perf_counter() - started)

    run_chunk_in_process(ids[:10])  # warm-up: caches, imports
    with connection.execute_wrapper(count):
        invoices = run_chunk_in_process(ids[10 : 10 + sample_size])
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    profiled = run_chunk_in_process(ids[10 + sample_size : 10 + sample_size + profile_size])
    profiler.disable()
    elapsed = time.perf_counter() - started
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    use_database(seed_db)
    drop_database(dsn, f"{PREFIX}_sample")
    statements = sorted(by_statement.items(), key=lambda item: -sum(item[1]))
    return {
        "statements": [(key, len(times), sum(times)) for key, times in statements],
        "queries": counted["n"],
        "invoices": invoices,
        "profile_invoices": profiled,
        "profile_seconds": elapsed,
        "profile": out.getvalue(),
    }


def start_workers(count: int, database_url: str, directory: Path) -> list[subprocess.Popen]:
    """`count` worker processes, returned once each has connected to the database and polls (not
    timed: Django start-up takes seconds on a loaded machine)."""
    from django.db import connection

    processes = []
    for n in range(count):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "seatline.settings",
            "DATABASE_URL": f"{database_url}?application_name=bench{n}",
            "SEATLINE_DATA_DIR": str(directory),
            "SEATLINE_LOG_LEVEL": "WARNING",
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
        }
        command = [sys.executable, "-m", "seatline.cli", "worker", "--name", f"bench{n}"]
        log = (directory / f"bench{n}.log").open("wb")
        processes.append(
            subprocess.Popen(
                [*command, "--poll-interval", "0.05"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        )
    deadline = time.monotonic() + 120
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(DISTINCT application_name) FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name LIKE 'bench%%'"
            )
            connected = cursor.fetchone()[0]
        if connected >= count:
            break
        if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
            raise SystemExit(f"a worker did not start; see {directory}")
        time.sleep(0.2)
    time.sleep(1)  # their first polls
    return processes


def peak_rss_mib(pid: int) -> float:
    """The process's peak resident set size (VmHWM), in MiB (Linux)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc), 0 when it is gone. (The
    workers' PostgreSQL backends are not counted: a worker reconnects after idling, so their
    processes come and go.)"""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed_run(
    dsn: str, seed_db: str, subs: int, workers: int, chunk_size: int | None, directory: Path
) -> dict:
    from django.db import connection, transaction

    from seatline.jobs.models import FINISHED_STATUSES, Job
    from seatline.jobs.services import enqueue

    name = f"{PREFIX}_run{subs}x{workers}"
    create_database(dsn, name, template=seed_db)
    use_database(name)
    processes = start_workers(workers, f"{dsn}/{name}", directory)
    try:
        parameters = {"run_date": RUN_DATE.isoformat()}
        if chunk_size:
            parameters["chunk_size"] = chunk_size
        load_before = os.getloadavg()[0]
        pids = [p.pid for p in processes]
        cpu_before = {pid: cpu_seconds(pid) for pid in pids}
        started = time.perf_counter()
        with transaction.atomic():
            enqueue("invoice_run", parameters=parameters)
        while True:
            time.sleep(0.1)
            statuses = list(Job.objects.filter(job_type__in=RUN_TYPES).values_list("job_type", "status"))
            if any(t == "invoice_run_chunk" for t, _ in statuses) and all(
                s in FINISHED_STATUSES for _, s in statuses
            ):
                break
            if any(p.poll() is not None for p in processes):
                raise SystemExit(f"a worker died; see {directory}")
        elapsed = time.perf_counter() - started
        load_after = os.getloadavg()[0]
        cpu = {pid: cpu_seconds(pid) - cpu_before[pid] for pid in pids}
        worker_cpu = sum(cpu.values())
        peak = max(peak_rss_mib(process.pid) for process in processes)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)
    counts = {}
    with connection.cursor() as cursor:
        for label, sql in {
            "invoices": "SELECT count(*) FROM invoicing_invoice WHERE status = 'billed'",
            "lines": "SELECT count(*) FROM invoicing_invoiceline",
            "taxes": "SELECT count(*) FROM invoicing_invoicetax",
            "schedules": "SELECT count(*) FROM contracts_billingschedule WHERE status = 'invoiced'",
            "audit": "SELECT count(*) FROM audit_auditevent",
            "follow_up_jobs": "SELECT count(*) FROM jobs_job WHERE job_type IN ('create_pdf', 'send_email')",
            "failed_chunks": "SELECT count(*) FROM jobs_job WHERE job_type = 'invoice_run_chunk' "
            "AND status <> 'succeeded'",
            "max_sequence": "SELECT coalesce(max(sequence), 0) FROM invoicing_invoice",
        }.items():
            cursor.execute(sql)
            counts[label] = cursor.fetchone()[0]
        counts["copy_seconds"] = copy_limit(cursor, counts["lines"])
    counts.update(
        seconds=elapsed,
        workers=workers,
        subs=subs,
        peak_rss_mib=peak,
        worker_cpu=worker_cpu,
        load=(load_before, load_after),
        database=name,
    )
    use_database(seed_db)
    return counts


def copy_limit(cursor, rows: int) -> float:
    """Seconds to COPY `rows` invoice-line-shaped rows into a scratch table (same columns and indexes)."""
    cursor.execute("DROP TABLE IF EXISTS bench_copy_invoiceline")
    cursor.execute("CREATE TABLE bench_copy_invoiceline (LIKE invoicing_invoiceline INCLUDING ALL)")
    cursor.execute("SELECT max(id) FROM invoicing_invoice")
    invoices = cursor.fetchone()[0] or 1
    data = [
        (
            n,
            n % 10 + 1,
            "recurring",
            n,
            None,
            None,
            "Microsoft 365 plan 1",
            Decimal(10),
            Decimal("12.5000"),
            1,
            START,
            dt.date(2026, 1, 31),
            Decimal("125.0000"),
            Decimal("0.0000"),
            Decimal("125.0000"),
            True,
            "",
            1 + n % invoices,
        )
        for n in range(1, rows + 1)
    ]
    columns = (
        "id, position, type, subscription_id, nri_id, usage_id, description, quantity, unit_price, "
        "unit_months, period_start, period_end, amount, discount, net, taxable, tax_category, invoice_id"
    )
    started = time.perf_counter()
    with cursor.cursor.copy(f"COPY bench_copy_invoiceline ({columns}) FROM STDIN") as copy:
        for row in data:
            copy.write_row(row)
    cursor.execute("SELECT 1")  # the COPY is complete (autocommit)
    elapsed = time.perf_counter() - started
    cursor.execute("DROP TABLE bench_copy_invoiceline")
    return elapsed


def print_sample(found: dict) -> None:
    print(
        f"sample: {found['queries']} SQL statements for {found['invoices']} invoices "
        f"= {found['queries'] / max(found['invoices'], 1):.2f} per invoice (job claim and finish included)"
    )
    for key, calls, seconds in found["statements"]:
        print(f"  {calls:6d} x {key:<48} {seconds * 1000:8.1f} ms")
    print(
        f"profile: {found['profile_invoices']} invoices in {found['profile_seconds']:.2f} s under cProfile",
        flush=True,
    )
    print(found["profile"], flush=True)


def seed_database(dsn: str, subs: int, contracts: int, seed: int) -> str:
    """A migrated, seeded database of `contracts` x `subs` (not timed); returns its name."""
    from django.core.management import call_command

    name = f"{SEED_DB}{subs}"
    create_database(dsn, name)
    use_database(name)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrated = time.perf_counter()
    seed_tenant(contracts, subs, random.Random(seed))
    print(
        f"seed {name}: {contracts:,} contracts, {contracts * subs:,} subscriptions "
        f"(migrate {migrated - started:.1f} s, seed {time.perf_counter() - migrated:.1f} s)",
        flush=True,
    )
    use_database(name)  # closes the connection: the seed is a template from now on
    return name


def run_peer(directory: Path, dsn: str, contracts: int) -> dict:
    """The peer harness (django-silver, one-line invoices, two cycles) on a fresh PostgreSQL
    database of the same server, right after Seatline's runs: its invoices/s."""
    name = f"{PREFIX}_peer_silver"
    create_database(dsn, name)
    load_before = os.getloadavg()[0]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SEATLINE_", "DATABASE_"))}
    env.pop("PYTHONPATH", None)
    done = subprocess.run(
        ["bash", str(directory / "run.sh"), str(contracts), name],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    load_after = os.getloadavg()[0]
    drop_database(dsn, name)
    print(done.stdout + done.stderr, flush=True)
    found = re.search(r"invoices/s overall gen: ([0-9.]+)", done.stdout)
    if done.returncode or not found:
        raise SystemExit(f"the peer harness failed (exit {done.returncode})")
    return {"invoices_per_second": float(found.group(1)), "load": (load_before, load_after)}


def summary(results: list[dict], sample: dict | None, peer: dict | None) -> str:
    per_invoice = f"{sample['queries'] / max(sample['invoices'], 1):.2f}" if sample else ""
    rows = [
        "| contracts x subs | workers | time | invoices/s | lines/s | statements/invoice (sample chunk) "
        "| peak worker RSS | COPY of the lines | run / COPY | load average (start, end) "
        "| CPU of the workers |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        s = r["seconds"]
        rows.append(
            f"| {r['invoices']:,} x {r['subs']} | {r['workers']} | {s:.2f} s | {r['invoices'] / s:,.0f} "
            f"| {r['lines'] / s:,.0f} | {per_invoice if r['subs'] == results[0]['subs'] else ''} "
            f"| {r['peak_rss_mib']:.0f} MiB | {r['copy_seconds']:.2f} s | {s / r['copy_seconds']:.0f}x "
            f"| {r['load'][0]:.1f}, {r['load'][1]:.1f} | {r['worker_cpu']:.1f} s |"
        )
    if peer:
        one = [r for r in results if r["subs"] == 1]
        best = max((r["invoices"] / r["seconds"] for r in one), default=None)
        rows.append("")
        rows.append(
            f"peer (django-silver, one-line invoices): {peer['invoices_per_second']:,.1f} invoices/s "
            f"(load average {peer['load'][0]:.1f}, {peer['load'][1]:.1f})"
            + (
                f"; Seatline one-subscription tenant: {best / peer['invoices_per_second']:,.1f}x"
                if best
                else ""
            )
        )
    return "\n".join(rows)


def main() -> None:
    global PREFIX, SEED_DB
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=10_000)
    parser.add_argument(
        "--runs",
        nargs="*",
        default=["10x1", "10x2", "1x2"],
        help="SUBSxWORKERS: subscriptions per contract and worker processes (default: %(default)s)",
    )
    parser.add_argument("--chunk-size", type=int, default=None, help="default: the run's own")
    parser.add_argument("--sample", type=int, default=100, help="contracts whose queries are counted")
    parser.add_argument("--profile", type=int, default=400, help="contracts profiled with cProfile")
    parser.add_argument("--top", type=int, default=30, help="profile entries printed")
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument(
        "--db-prefix", default="seatline_bench", help="names of the databases (%(default)s_*)"
    )
    parser.add_argument(
        "--peer",
        type=Path,
        default=None,
        help="directory of the peer harness to run after (e.g. ../shared/peers/silver)",
    )
    parser.add_argument(
        "--peer-contracts",
        type=int,
        default=1000,
        help="customers of the peer run (its rate is per invoice; 10,000 take it ~20 minutes)",
    )
    args = parser.parse_args()
    PREFIX, SEED_DB = args.db_prefix, f"{args.db_prefix}_seed"
    runs = [tuple(int(part) for part in run.split("x")) for run in args.runs]

    directory = Path(tempfile.mkdtemp(prefix="seatline-bench-"))
    os.environ["DATABASE_URL"] = f"{args.dsn}/postgres"
    os.environ.setdefault("SEATLINE_DATA_DIR", str(directory))
    os.environ.setdefault("SEATLINE_LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "seatline.settings"
    import django

    django.setup()
    seeds: dict[int, str] = {}
    found = None
    results = []
    for subs, workers in runs:
        if subs not in seeds:
            seeds[subs] = seed_database(args.dsn, subs, args.contracts, args.seed)
            if args.sample and found is None:
                found = sample(args.dsn, seeds[subs], args.sample, args.profile, args.top)
                print_sample(found)
        result = timed_run(args.dsn, seeds[subs], subs, workers, args.chunk_size, directory)
        results.append(result)
        if not args.keep:
            drop_database(args.dsn, result["database"])
        s = result["seconds"]
        print(
            f"{subs} subscription(s) per contract, {workers} worker(s): {result['invoices']:,} invoices, "
            f"{result['lines']:,} lines, {result['taxes']:,} taxes, {result['schedules']:,} schedules, "
            f"{result['audit']:,} audit events, {result['follow_up_jobs']:,} follow-up jobs in {s:.2f} s = "
            f"{result['invoices'] / s:,.0f} invoices/s, {result['lines'] / s:,.0f} lines/s; peak worker RSS "
            f"{result['peak_rss_mib']:.0f} MiB; COPY of {result['lines']:,} lines {result['copy_seconds']:.2f} s "
            f"(run / COPY = {s / result['copy_seconds']:.0f}x); failed chunks {result['failed_chunks']}, "
            f"last number {result['max_sequence']:,}; load average {result['load'][0]:.2f} -> {result['load'][1]:.2f}; "
            f"CPU of the workers {result['worker_cpu']:.1f} s",
            flush=True,
        )
    from django.db import connections

    connections.close_all()
    if not args.keep:
        for name in seeds.values():
            drop_database(args.dsn, name)
    peer = run_peer(args.peer, args.dsn, args.peer_contracts) if args.peer else None
    print()
    print(summary(results, found, peer))


if __name__ == "__main__":
    main()
