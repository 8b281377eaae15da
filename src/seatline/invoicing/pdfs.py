# SPDX-License-Identifier: AGPL-3.0-or-later
"""Where an invoice's PDF comes from: the documents feature plugs in here.

The invoicing app does not render PDFs. The app that does (documents) registers a source in its
`AppConfig.ready()`::

    from seatline.invoicing import pdfs

    pdfs.register(lambda invoice: PdfFile(filename=f"{invoice.number}.pdf", content=stored_bytes(invoice)))

A source returns the PDF, or None when it has not rendered that invoice yet (its `create_pdf` job
has not run), or raises `SeatlineError` for a refusal. Readers (the API, the portal) call
`pdf_for(invoice)` and show `pdf_unavailable` / `pdf_not_ready` / `invoice_not_issued` as they
see fit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from seatline.errors import SeatlineError
from seatline.invoicing.models import Invoice, InvoiceStatus


@dataclass(frozen=True)
class PdfFile:
    filename: str
    content: bytes


PdfSource = Callable[[Invoice], PdfFile | None]

_lock = threading.Lock()
_source: PdfSource | None = None


def register(source: PdfSource | None) -> None:
    """Install the PDF source (None removes it)."""
    global _source
    with _lock:
        _source = source


def installed() -> bool:
    with _lock:
        return _source is not None


@contextmanager
def source_override(source: PdfSource | None) -> Iterator[None]:
    """Temporarily install (or remove) the PDF source (tests)."""
    with _lock:
        previous = _source
    register(source)
    try:
        yield
    finally:
        register(previous)


def pdf_for(invoice: Invoice) -> PdfFile:
    """The invoice's PDF, or a SeatlineError saying why there is none."""
    with _lock:
        source = _source
    if source is None:
        raise SeatlineError(
            "pdf_unavailable",
            "PDF documents are not installed in this Seatline: invoices have no PDF yet",
            field="invoice",
        )
    if invoice.status == InvoiceStatus.DRAFT:
        raise SeatlineError(
            "invoice_not_issued", f"{invoice} is a draft: PDFs are made when it is issued", field="invoice"
        )
    pdf = source(invoice)
    if pdf is None:
        raise SeatlineError(
            "pdf_not_ready",
            f"the PDF of {invoice} is not rendered yet (its Create PDF job has not run)",
            field="invoice",
        )
    return pdf
