# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "seatline.documents"
    label = "documents"
    verbose_name = "Documents"

    def ready(self) -> None:
        from seatline.documents.models import DocumentFile
        from seatline.documents.services import document_bytes
        from seatline.invoicing import pdfs

        def stored_pdf(invoice: object) -> pdfs.PdfFile | None:
            """The stored PDF of an issued invoice (None until its create_pdf job has run)."""
            document = DocumentFile.objects.filter(invoice_id=invoice.pk).first()  # type: ignore[attr-defined]
            if document is None:
                return None
            return pdfs.PdfFile(filename=document.filename, content=document_bytes(document=document))

        # Readers of `invoicing.pdfs.pdf_for` (the API, the portal) get the stored documents.
        pdfs.register(stored_pdf)
