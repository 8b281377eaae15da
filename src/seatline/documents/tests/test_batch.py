# SPDX-License-Identifier: AGPL-3.0-or-later
"""Create PDF jobs in batches (`tasks.create_pdfs`, `services.store_documents`): the same bytes as
one by one, each PDF stored once, and a crash mid-batch re-renders only the missing ones."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.storage import default_storage

from seatline import clock
from seatline.audit.models import AuditEvent
from seatline.documents import services, tasks
from seatline.documents.models import DocumentFile
from seatline.documents.tests import factories as f
from seatline.jobs.execution import claim_due, execute_batch, reap_expired_leases
from seatline.jobs.models import Job
from seatline.jobs.registry import get_batch_handler
from seatline.jobs.services import enqueue
from seatline.jobs.worker import Worker

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2024, 1, 2, 6, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen(NOW):
        yield


def invoices(count: int) -> list:
    tags = ("en-US", "de-DE", "fr-FR", "nl-NL", "pl-PL")
    return [
        f.issued_invoice(f.contract(f.account(tags[n % len(tags)], name=f"Customer {n}", currency="EUR")))
        for n in range(count)
    ]


def pdf_jobs() -> list[Job]:
    return list(Job.objects.filter(job_type="create_pdf").order_by("id"))


def stored_files() -> list[str]:
    names: list[str] = []
    for year in default_storage.listdir("documents/invoice")[0]:
        names += default_storage.listdir(f"documents/invoice/{year}")[1]
    return sorted(names)


def counting_renders(
    monkeypatch, fail_at: int | None = None, error: BaseException | None = None
) -> list[int]:
    """Count the documents rendered through `services.render_pdf`; raise `error` at the
    `fail_at`-th one (1-based)."""
    rendered: list[int] = []
    real = services.render_pdf

    def render(content):
        rendered.append(1)
        if fail_at is not None and len(rendered) == fail_at:
            assert error is not None
            raise error
        return real(content)

    monkeypatch.setattr(services, "render_pdf", render)
    return rendered


def test_the_worker_runs_create_pdf_jobs_as_one_batch_with_the_bytes_of_the_one_by_one_path():
    assert get_batch_handler("create_pdf") == (tasks.create_pdfs, tasks.PDF_BATCH_SIZE)
    documents = invoices(5)
    jobs = pdf_jobs()
    assert [job.parameters["invoice_id"] for job in jobs] == [invoice.pk for invoice in documents]

    claimed = claim_due("batch", limit=10, job_type="create_pdf")
    statuses = execute_batch(claimed, "batch")

    assert statuses == {job.pk: "succeeded" for job in jobs}
    for job, invoice in zip(pdf_jobs(), documents, strict=True):
        document = DocumentFile.objects.get(invoice=invoice)
        data = services.document_bytes(document=document)
        assert data == services.render(invoice).data  # the single-document rendering
        assert job.results == {
            "invoice": invoice.number,
            "file": document.file.name,
            "sha256": document.sha256,
            "pages": 1,
            "kept_existing": False,
        }
        assert (job.status, job.lease_owner, job.finished_at) == ("succeeded", "", NOW)
        assert document.language == invoice.account.language
    assert AuditEvent.objects.filter(action="pdf_rendered").count() == 5
    assert len(stored_files()) == 5


def test_a_batch_keeps_stored_pdfs_and_renders_only_the_others(monkeypatch):
    documents = invoices(4)
    first = services.render_document(invoice=documents[1])
    rendered = counting_renders(monkeypatch)
    assert Worker("test").run_until_idle() == 4
    assert len(rendered) == 3
    results = {job.parameters["invoice_id"]: job.results for job in pdf_jobs()}
    assert results[documents[1].pk]["kept_existing"] is True
    assert results[documents[1].pk]["sha256"] == first.sha256
    assert DocumentFile.objects.count() == 4
    assert AuditEvent.objects.filter(action="pdf_rendered").count() == 4
    # a second job for every document: the same rows and bytes, nothing rendered or written again
    for invoice in documents:
        enqueue("create_pdf", parameters={"invoice_id": invoice.pk}, related=invoice)
    assert Worker("test").run_until_idle() == 4
    assert len(rendered) == 3
    assert DocumentFile.objects.count() == 4 and len(stored_files()) == 4
    assert all(job.status == "succeeded" for job in pdf_jobs())


def test_a_crash_mid_batch_re_renders_only_the_documents_without_a_stored_row(monkeypatch):
    documents = invoices(5)
    monkeypatch.setattr(services, "COMMIT_EVERY", 2)
    # the worker dies while rendering the 4th document: 1 and 2 are committed, 3 is only a file
    crashed = counting_renders(monkeypatch, fail_at=4, error=KeyboardInterrupt())
    claimed = claim_due("dead", limit=10, job_type="create_pdf")
    with pytest.raises(KeyboardInterrupt):
        execute_batch(claimed, "dead")
    assert len(crashed) == 4
    assert sorted(DocumentFile.objects.values_list("invoice_id", flat=True)) == [
        documents[0].pk,
        documents[1].pk,
    ]
    assert len(stored_files()) == 3  # the 3rd PDF was written, its row was not
    assert {job.status for job in pdf_jobs()} == {"in_progress"}

    # its leases expire, another worker takes the jobs
    rendered = counting_renders(monkeypatch)
    with clock.frozen(NOW + dt.timedelta(minutes=5)):
        assert reap_expired_leases() == 5
        assert Worker("other").run_until_idle() == 5
    assert len(rendered) == 3  # documents 3, 4 and 5; the 3rd file is found, not written again
    assert len(stored_files()) == 5
    assert DocumentFile.objects.count() == 5
    assert AuditEvent.objects.filter(action="pdf_rendered").count() == 5
    kept = {job.parameters["invoice_id"]: job.results["kept_existing"] for job in pdf_jobs()}
    assert [kept[invoice.pk] for invoice in documents] == [True, True, False, False, False]
    for invoice in documents:
        document = DocumentFile.objects.get(invoice=invoice)
        assert services.document_bytes(document=document) == services.render(invoice).data


def test_each_job_of_a_batch_gets_its_own_outcome(monkeypatch):
    documents = invoices(3)
    draft = f.issued_invoice(f.contract(f.account("en-US", name="Draft Co")), issue=False)
    enqueue("create_pdf", parameters={"invoice_id": draft.pk}, related=draft)
    enqueue("create_pdf", parameters={"invoice_id": 999_999})
    enqueue("create_pdf", parameters={})
    counting_renders(monkeypatch, fail_at=2, error=ValueError("font cache broken"))

    assert Worker("test").run_until_idle() == 6

    jobs = pdf_jobs()
    by_invoice = {job.parameters.get("invoice_id"): job for job in jobs}
    assert [by_invoice[invoice.pk].status for invoice in documents] == ["succeeded", "retry", "succeeded"]
    assert by_invoice[documents[1].pk].error == "ValueError: font cache broken"
    assert by_invoice[draft.pk].status == "not_applicable"
    assert by_invoice[draft.pk].results["reason"].endswith("is a draft: its PDF is made when it is issued")
    assert by_invoice[999_999].status == "failed"
    assert by_invoice[999_999].error == "invoice 999999 no longer exists"
    assert by_invoice[None].status == "failed"
    assert by_invoice[None].error == "the job names no document (parameters.invoice_id)"
    assert DocumentFile.objects.count() == 2

    # the retry renders the one that failed, with the bytes of the single-document path
    with clock.frozen(NOW + dt.timedelta(minutes=5)):
        assert Worker("test").run_until_idle() == 1
    document = DocumentFile.objects.get(invoice=documents[1])
    assert services.document_bytes(document=document) == services.render(documents[1]).data
