# SPDX-License-Identifier: AGPL-3.0-or-later
"""Invoices (issue a draft, credit an issued one, the PDF) and payments (record a manual one)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, renderers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from seatline.api.filters import InvoiceFilter, PaymentFilter
from seatline.api.problems import CONTENT_TYPE
from seatline.api.schema import ProblemSerializer
from seatline.api.serializers.invoicing import (
    CreditNoteSerializer,
    InvoiceDetailSerializer,
    InvoiceSerializer,
    PaymentCreateSerializer,
    PaymentSerializer,
)
from seatline.api.views.base import SeatlineViewSet
from seatline.invoicing import pdfs
from seatline.invoicing.models import Invoice
from seatline.invoicing.services import create_credit_note, issue_invoice
from seatline.payments.models import Payment
from seatline.payments.selectors import payment_for_transaction
from seatline.payments.services import record_payment

CHANGE = "invoicing.change_invoice"


class PdfRenderer(renderers.BaseRenderer):
    """Lets a client ask for `Accept: application/pdf`; errors still come as problem JSON."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        if isinstance(data, bytes):
            return data
        return renderers.JSONRenderer().render(data)


class InvoiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, SeatlineViewSet):
    """Invoices and credit notes; the detail carries the lines and taxes."""

    queryset = Invoice.objects.all()
    serializer_class = InvoiceSerializer
    filterset_class = InvoiceFilter
    ordering_fields = ("id", "generated_on", "invoice_date", "due_date", "total", "created_at")
    account_path = "account"
    action_permissions = {"issue": CHANGE, "credit_note": CHANGE}

    def get_serializer_class(self) -> Any:
        return InvoiceSerializer if self.action == "list" else InvoiceDetailSerializer

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()
        if self.action != "list":
            queryset = queryset.prefetch_related("lines__invoice", "taxes__invoice")
        return queryset

    def _detail(self, invoice: Invoice, *, status: int = 200) -> Response:
        fresh = self.get_queryset().get(pk=invoice.pk)
        return self.output(InvoiceDetailSerializer, fresh, status=status)

    @extend_schema(request=None, responses=InvoiceDetailSerializer)
    @action(detail=True, methods=["post"])
    def issue(self, request: Request, pk: Any = None) -> Response:
        """Issue a draft: it gets the next number of its series and can no longer change."""
        invoice = issue_invoice(invoice=self.get_object())
        return self._detail(invoice)

    @extend_schema(request=CreditNoteSerializer, responses={201: InvoiceDetailSerializer})
    @action(detail=True, methods=["post"], url_path="credit-note")
    def credit_note(self, request: Request, pk: Any = None) -> Response:
        """Credit an issued invoice: a credit note (its negated copy) is issued, the invoice is void."""
        invoice = self.get_object()
        data = self.parse(CreditNoteSerializer)
        note = create_credit_note(invoice=invoice, reason=data.get("reason", ""))
        response = self._detail(note, status=201)
        response["Location"] = f"/api/v1/invoices/{note.pk}/"
        return response

    @extend_schema(
        request=None,
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="the invoice PDF"),
            (409, CONTENT_TYPE): OpenApiResponse(
                ProblemSerializer,
                description="pdf_not_ready (not rendered yet) or invoice_not_issued (a draft)",
            ),
        },
    )
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, PdfRenderer])
    def pdf(self, request: Request, pk: Any = None) -> HttpResponse:
        """The invoice's PDF. 404 `pdf_unavailable` while this Seatline has no PDF documents, 409
        `pdf_not_ready` until its PDF is rendered, 409 `invoice_not_issued` for a draft."""
        invoice = self.get_object()
        pdf = pdfs.pdf_for(invoice)
        response = HttpResponse(pdf.content, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{pdf.filename}"'
        return response


class PaymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, SeatlineViewSet):
    """Payments received against issued invoices."""

    queryset = Payment.objects.all()
    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter
    ordering_fields = ("id", "date", "created_at")
    account_path = "invoice__account"
    action_permissions = {"create": "payments.add_payment"}

    @extend_schema(
        request=PaymentCreateSerializer,
        responses={
            201: PaymentSerializer,
            200: OpenApiResponse(PaymentSerializer, description="already recorded"),
        },
    )
    def create(self, request: Request) -> Response:
        """Record a manual payment (bank transfer, cheque): 201, or 200 with the payment already
        recorded under the same `transaction_id`."""
        data = self.parse(PaymentCreateSerializer)
        transaction_id = data.get("transaction_id") or None
        if transaction_id and payment_for_transaction(processor="manual", transaction_id=transaction_id):
            existing = payment_for_transaction(processor="manual", transaction_id=transaction_id)
            return self.output(PaymentSerializer, existing)
        payment = record_payment(
            invoice=data["invoice"],
            amount=data["amount"],
            date=data.get("date"),
            processor="manual",
            transaction_id=transaction_id,
        )
        return self.created(PaymentSerializer, payment, "payment")
