# SPDX-License-Identifier: AGPL-3.0-or-later
"""Job handlers of the invoicing app (thin: they call the services).

`invoice_run` splits the contracts due on its run date into `invoice_run_chunk` jobs of
`chunk_size` contracts (job parameter, else the setting SEATLINE_INVOICE_RUN_CHUNK_SIZE, else
`CHUNK_SIZE`), run by whichever workers claim them. A chunk job is one transaction (the job
contract): `chunks.run_chunk` locks its contracts (id order, one statement), loads their state
in a few queries, proposes every contract's documents with the pure core, writes them with one
statement per table (a contract that fails is set aside and reported; if the set-based write
fails, the chunk is billed again contract by contract, each in a savepoint), numbers the chunk's
documents together at its end (the number sequence is locked only for that last step, so chunks
of other workers bill in parallel) and commits billing, report items and "Succeeded" together
or not at all. A worker killed mid-chunk therefore leaves nothing behind: the reaper gives the
chunk back and it runs again.

Resuming: an invoice run of a date enqueued again (after a crash, or by hand) considers only the
contracts still due (billed ones have moved their next invoice date on) and leaves out those an
unfinished chunk of that date already holds; it continues the date's report row.

`change_log_invoice_run` waits (retries later) while a regular run of the same date is
unfinished, so change-log invoices always come after the regular ones.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from seatline.contracts.models import BillingContract
from seatline.invoicing import run_log
from seatline.invoicing.chunks import run_chunk
from seatline.invoicing.documents import refresh_next_invoice_date
from seatline.invoicing.runs import (
    ContractRunResult,
    change_log_contract_ids,
    due_contract_ids,
    run_change_log_for_contract,
)
from seatline.jobs.models import UNFINISHED_STATUSES, Job
from seatline.jobs.registry import NotApplicable, PermanentJobError, job_handler
from seatline.jobs.services import enqueue
from seatline.subscriptions.lock_objects import lock_contract
from seatline.subscriptions.tasks import job_run_date

CHUNK_SIZE = 200


class RegularRunUnfinished(Exception):
    """The change-log run of a date waits for that date's regular run (the job is retried)."""


def _summary(results: list[ContractRunResult]) -> dict[str, Any]:
    return {
        "considered": len(results),
        "invoiced": {str(r.contract_id): r.invoice_ids for r in results if r.status == "invoiced"},
        "skipped": {str(r.contract_id): r.reason for r in results if r.status == "skipped"},
        "failed": {
            str(r.contract_id): f"[{r.error_code}] {r.error}" for r in results if r.status == "failed"
        },
        "warnings": sorted({w for r in results for w in r.warnings}),
    }


def chunk_size(job: Job) -> int:
    value = (job.parameters or {}).get("chunk_size") or getattr(
        settings, "SEATLINE_INVOICE_RUN_CHUNK_SIZE", None
    )
    return max(int(value or CHUNK_SIZE), 1)


def _contracts_in_unfinished_chunks(run_date_iso: str) -> set[int]:
    held: set[int] = set()
    for parameters in Job.objects.filter(
        job_type="invoice_run_chunk", status__in=UNFINISHED_STATUSES, parameters__run_date=run_date_iso
    ).values_list("parameters", flat=True):
        held.update(int(pk) for pk in (parameters or {}).get("contract_ids", []))
    return held


@job_handler("invoice_run")
def invoice_run(job: Job) -> dict[str, Any] | None:
    run_date = job_run_date(job)
    iso = run_date.isoformat()
    due = due_contract_ids(run_date=run_date)
    if not due:
        raise NotApplicable(f"no contract due on {iso}")
    mode = "manual" if (job.parameters or {}).get("manual") else "automatic"
    report = run_log.start_run(run_date=run_date, invoice_type="regular", mode=mode, job=job)
    held = _contracts_in_unfinished_chunks(iso)
    ids = [pk for pk in due if pk not in held]
    size = chunk_size(job)
    chunks = [ids[i : i + size] for i in range(0, len(ids), size)]
    jobs = [
        enqueue(
            "invoice_run_chunk",
            parameters={"run_date": iso, "contract_ids": chunk, "invoice_run_id": report.pk},
            parent=job,
            dedupe_key=f"invoice_run_chunk:{iso}:{chunk[0]}-{chunk[-1]}",
        )
        for chunk in chunks
    ]
    return {
        "run_date": iso,
        "contracts": len(ids),
        "already_in_unfinished_chunks": len(due) - len(ids),
        "chunks": [j.pk for j in jobs],
    }


@job_handler("invoice_run_chunk")
def invoice_run_chunk(job: Job) -> dict[str, Any] | None:
    run_date = job_run_date(job)
    ids = [int(pk) for pk in (job.parameters or {}).get("contract_ids", [])]
    if not ids:
        raise NotApplicable("no contract in this chunk")
    results = run_chunk(contract_ids=ids, run_date=run_date)
    report = run_log.get_run((job.parameters or {}).get("invoice_run_id"))
    run_log.record_results(report, results, job=job)
    return {"run_date": run_date.isoformat(), **_summary(results)}


def _regular_run_unfinished(job: Job, run_date_iso: str) -> bool:
    return (
        Job.objects.filter(
            job_type__in=("invoice_run", "invoice_run_chunk"),
            status__in=UNFINISHED_STATUSES,
            parameters__run_date=run_date_iso,
        )
        .exclude(pk=job.pk)
        .exists()
    )


@job_handler("change_log_invoice_run")
def change_log_invoice_run(job: Job) -> dict[str, Any] | None:
    run_date = job_run_date(job)
    if _regular_run_unfinished(job, run_date.isoformat()):
        raise RegularRunUnfinished(f"the regular invoice run of {run_date.isoformat()} is not finished yet")
    ids = change_log_contract_ids(run_date=run_date)
    if not ids:
        raise NotApplicable(f"no contract has its change-log invoice day on {run_date.isoformat()}")
    results = [run_change_log_for_contract(contract_id=pk, run_date=run_date) for pk in ids]
    mode = "manual" if (job.parameters or {}).get("manual") else "automatic"
    report = run_log.start_run(run_date=run_date, invoice_type="change_log", mode=mode, job=job)
    run_log.record_results(report, results)
    return {"run_date": run_date.isoformat(), **_summary(results)}


@job_handler("update_next_invoice_date")
def update_next_invoice_date(job: Job) -> dict[str, Any] | None:
    contract_id = (job.parameters or {}).get("contract_id")
    if contract_id is None and isinstance(job.related, BillingContract):
        contract_id = job.related.pk
    if contract_id is None:
        raise PermanentJobError("the job names no contract (parameter contract_id)")
    if not BillingContract.objects.filter(pk=contract_id).exists():
        raise PermanentJobError(f"contract {contract_id} no longer exists")
    contract = lock_contract(int(contract_id))
    before = contract.next_invoice_date
    after = refresh_next_invoice_date(contract)
    if after == before:
        raise NotApplicable("the next invoice date is already current")
    return {
        "contract_id": contract.pk,
        "next_invoice_date": after.isoformat() if after else None,
        "previous": before.isoformat() if before else None,
    }
