# SPDX-License-Identifier: AGPL-3.0-or-later
"""Term and charge-cycle arithmetic, charge rows (the ledger) and month close.

Every billable action appends immutable `OneTimeInvoiceLineItem` rows (Partner Center billing API,
3.2 / 6.5); invoices and the unbilled view are queries over these rows.

Money rules:
* `effectiveUnitPrice = unitPrice / chargeCycleDays x billingDays` (billing days from the charge
  start to the cycle end, both inclusive), negative on wipe/refund rows; shown with 6 decimals
  at most, the exact value feeds the subtotal.
* `subtotal` (config `rounding`): `unit_rounddown` (default, the documented CSV formula)
  `ROUNDDOWN(EUP x pcToBCExchangeRate, 2) x billableQuantity`; `line_rounddown`
  `ROUNDDOWN(EUP x quantity, 2)`; `line_half_up` `ROUND_HALF_UP(EUP x quantity, 2)`.
  ROUNDDOWN truncates toward zero, like the spreadsheet function.
* `taxTotal = ROUND_HALF_UP(subtotal x tax_rate, 2)`, `totalForCustomer = subtotal + taxTotal`.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from dateutil.relativedelta import relativedelta

from seatline.simulators.partner_center.catalog import (
    CURRENCY,
    CURRENCY_SYMBOL,
    CYCLE_MONTHS,
    PUBLISHER,
    TERM_MONTHS,
    TERM_TEXT,
    Offer,
)
from seatline.simulators.partner_center.clock import (
    fmt_day,
    fmt_instant,
    midnight,
    parse_day,
    parse_instant,
    trimmed,
)
from seatline.simulators.partner_center.state import PARTNER_MPN_ID, PARTNER_TENANT_ID, SimState

CENT = Decimal("0.01")
INVOICE_BASE = 24129  # first invoice is G000024130, like the documented example ids


def term_end(start: dt.date, term: str) -> dt.date:
    """Inclusive last day of a term: start + term - 1 day, month ends clamped."""
    return start + relativedelta(months=TERM_MONTHS[term]) - dt.timedelta(days=1)


def cycle_months(term: str, cycle: str) -> int:
    return min(CYCLE_MONTHS[cycle], TERM_MONTHS[term])


def cycle_bounds(
    term_start: dt.date, term_last: dt.date, term: str, cycle: str, day: dt.date
) -> tuple[dt.date, dt.date]:
    """The charge cycle containing `day`: [start + k months, start + (k+1) months - 1 day]."""
    months = cycle_months(term, cycle)
    k = 0
    while term_start + relativedelta(months=(k + 1) * months) <= min(day, term_last):
        k += 1
    start = term_start + relativedelta(months=k * months)
    end = min(term_start + relativedelta(months=(k + 1) * months) - dt.timedelta(days=1), term_last)
    return start, end


def next_cycle_start(
    term_start: dt.date, term_last: dt.date, term: str, cycle: str, after: dt.date
) -> dt.date | None:
    """The first charge-cycle start strictly after `after`, inside the term, else None."""
    months = cycle_months(term, cycle)
    k = 1
    while True:
        start = term_start + relativedelta(months=k * months)
        if start > term_last:
            return None
        if start > after:
            return start
        k += 1


def subtotal(eup: Decimal, quantity: int, rounding: str) -> Decimal:
    if rounding == "line_rounddown":
        return (eup * quantity).quantize(CENT, rounding=ROUND_DOWN)
    if rounding == "line_half_up":
        return (eup * quantity).quantize(CENT, rounding=ROUND_HALF_UP)
    return eup.quantize(CENT, rounding=ROUND_DOWN) * quantity


def post_charge(
    state: SimState,
    sub: dict[str, Any],
    offer: Offer,
    *,
    charge_type: str,
    at: dt.datetime,
    quantity: int,
    charge_start: dt.date,
    sign: int = 1,
    reference_id: str,
) -> dict[str, Any]:
    """Append one charge row for `sub` covering `charge_start` .. end of its charge cycle."""
    term, cycle = sub["termDuration"], sub["billingCycle"]
    term_start, term_last = parse_day(sub["termStart"]), parse_day(sub["termEnd"])
    cycle_start, cycle_end = cycle_bounds(term_start, term_last, term, cycle, charge_start)
    cycle_days = (cycle_end - cycle_start).days + 1
    billing_days = (cycle_end - charge_start).days + 1
    unit_price = offer.period_price(term, cycle)
    eup = unit_price * billing_days / cycle_days * sign
    sub_total = subtotal(eup, quantity, state.config["rounding"])
    tax = line_tax(state, sub_total)
    customer = state.data["customers"][sub["customerId"]]
    order = state.data["orders"].get(sub["orderId"], {}).get("order", {})
    row = {
        "partnerId": PARTNER_TENANT_ID,
        "customerId": sub["customerId"],
        "customerName": customer["companyProfile"]["companyName"],
        "customerDomainName": customer["companyProfile"]["domain"],
        "customerCountry": customer["billingProfile"]["defaultAddress"]["country"],
        "invoiceNumber": "",
        "mpnId": PARTNER_MPN_ID,
        "resellerMpnId": "",
        "orderId": sub["orderId"],
        "orderDate": fmt_instant(at),
        "productId": offer.product_id,
        "skuId": offer.sku_id,
        "availabilityId": offer.availability_id,
        "productName": offer.title,
        "skuName": offer.sku_title,
        "productQualifiers": [],
        "chargeType": charge_type,
        "unitPrice": unit_price,
        "effectiveUnitPrice": trimmed(eup),
        "unitType": "Licenses",
        "quantity": quantity,
        "subtotal": sub_total,
        "taxTotal": tax,
        "totalForCustomer": sub_total + tax,
        "currency": CURRENCY,
        "publisherName": PUBLISHER,
        "publisherId": "",
        "subscriptionDescription": sub["friendlyName"],
        "subscriptionId": sub["id"],
        "subscriptionStartDate": fmt_day(term_start),
        "subscriptionEndDate": fmt_day(term_last),
        "chargeStartDate": fmt_day(charge_start),
        "chargeEndDate": fmt_day(cycle_end),
        "termAndBillingCycle": TERM_TEXT[term],
        "alternateId": order.get("alternateId", ""),
        "referenceId": reference_id,
        "priceAdjustmentDescription": "",
        "discountDetails": "",
        "pricingCurrency": CURRENCY,
        "pcToBCExchangeRate": 1,
        "pcToBCExchangeRateDate": fmt_day(at.date().replace(day=1)),
        "billableQuantity": quantity,
        "meterDescription": "",
        "billingFrequency": cycle,
        "reservationOrderId": "",
        "creditReasonCode": "",
        "promotionId": "",
        "invoiceLineItemType": "billing_line_items",
        "billingProvider": "one_time",
        "attributes": {"objectType": "OneTimeInvoiceLineItem"},
    }
    state.data["ledger"].append(row)
    return row


def line_tax(state: SimState, amount: Decimal) -> Decimal:
    """A row's taxTotal: the tax rate on the row, or 0 when tax is on the invoice header only."""
    if state.config["tax_on_header"]:
        return Decimal("0.00")
    return (amount * state.tax_rate()).quantize(CENT, rounding=ROUND_HALF_UP)


def _money(value: Any) -> Decimal:
    return Decimal(str(value))


def publish_day(state: SimState, month_start: dt.date) -> int:
    """The day of `month_start`'s month its invoices appear (config, else the 6th to the 8th)."""
    configured = int(state.config["invoice_publish_day"])
    if configured:
        return max(1, min(28, configured))
    return 6 + (month_start.month - 1) % 3


def invoice_document(
    state: SimState,
    invoice_id: str,
    *,
    at: dt.datetime,
    period: tuple[dt.date, dt.date],
    rows: list[dict[str, Any]],
    usage: list[dict[str, Any]],
    publish_at: dt.datetime,
    document_type: str = "Invoice",
    amends_of: str = "",
    header_tax: Decimal | None = None,
) -> dict[str, Any]:
    """An Invoice resource over its rows: totalCharges = row totals + usage + header-only tax."""
    line_total = sum((_money(row["totalForCustomer"]) for row in rows), Decimal("0"))
    usage_total = sum((_money(row["billingPreTaxTotal"]) for row in usage), Decimal("0"))
    if header_tax is None:
        header_tax = Decimal("0.00")
        if state.config["tax_on_header"]:
            base = sum((_money(row["subtotal"]) for row in rows), Decimal("0")) + usage_total
            header_tax = (base * state.tax_rate()).quantize(CENT, rounding=ROUND_HALF_UP)
    line_tax_total = sum((_money(row["taxTotal"]) for row in rows), Decimal("0"))
    details = [_detail(invoice_id, "billing_line_items", "BillingLineItems")]
    if usage:
        details.append(_detail(invoice_id, "usage_line_items", "UsageLineItems"))
    return {
        "id": invoice_id,
        "invoiceDate": fmt_instant(at),
        "billingPeriodStartDate": fmt_day(period[0]),
        "billingPeriodEndDate": fmt_day(period[1]),
        "totalCharges": line_total + usage_total + header_tax,
        "taxTotal": line_tax_total + header_tax,
        "paidAmount": Decimal("0"),
        "currencyCode": CURRENCY,
        "currencySymbol": CURRENCY_SYMBOL,
        "taxReceipts": [],
        "invoiceDetails": details,
        "amendments": [],
        **({"amendsOf": amends_of} if amends_of else {}),
        "documentType": document_type,
        "invoiceType": "OneTime",
        "links": {"self": {"uri": f"/invoices/{invoice_id}", "method": "GET", "headers": []}},
        "attributes": {"objectType": "Invoice"},
        "_publishAt": fmt_instant(publish_at),
        "_usageAt": fmt_instant(publish_at + dt.timedelta(days=int(state.config["usage_delay_days"]))),
    }


def _detail(invoice_id: str, kind: str, path: str) -> dict[str, Any]:
    return {
        "invoiceLineItemType": kind,
        "billingProvider": "one_time",
        "links": {
            "self": {
                "uri": f"/invoices/OneTime-{invoice_id}/lineitems/OneTime/{path}",
                "method": "GET",
                "headers": [],
            }
        },
        "attributes": {"objectType": "InvoiceDetail"},
    }


def next_invoice_id(state: SimState) -> str:
    state.data["invoice_counter"] += 1
    return f"G{INVOICE_BASE + state.data['invoice_counter']:09d}"


def close_month(state: SimState, at: dt.datetime) -> dict[str, Any] | None:
    """Month close at 00:00 UTC on the 1st: invoice every uninvoiced row and usage row dated before `at`."""
    rows = [
        row
        for row in state.data["ledger"]
        if not row["invoiceNumber"] and parse_instant(row["orderDate"]) < at
    ]
    usage = [
        row
        for row in state.data["usage"]
        if not row["invoiceNumber"] and midnight(parse_day(row["usageDate"])) < at
    ]
    if not rows and not usage:
        return None
    invoice_id = next_invoice_id(state)
    for row in [*rows, *usage]:
        row["invoiceNumber"] = invoice_id
    period_end = at.date() - dt.timedelta(days=1)
    publish_at = midnight(at.date().replace(day=publish_day(state, at.date())))
    invoice = invoice_document(
        state,
        invoice_id,
        at=at,
        period=(period_end.replace(day=1), period_end),
        rows=rows,
        usage=usage,
        publish_at=publish_at,
    )
    if invoice["totalCharges"] < 0:
        invoice["documentType"] = "Credit Note"
    state.data["invoices"][invoice_id] = invoice
    return invoice


def invoice_rows(state: SimState, invoice_id: str) -> list[dict[str, Any]]:
    """The billing line items of a document: ledger rows, or a note's / corrected invoice's own rows."""
    own = state.data["document_rows"].get(invoice_id)
    if own is not None:
        return list(own)
    return [row for row in state.data["ledger"] if row["invoiceNumber"] == invoice_id]


def invoice_usage(state: SimState, invoice_id: str) -> list[dict[str, Any]]:
    """The daily rated usage rows of a document (none before `_usageAt`: not processed yet)."""
    invoice = state.data["invoices"].get(invoice_id)
    if invoice is None or parse_instant(invoice["_usageAt"]) > state.now():
        return []
    own = state.data["document_usage"].get(invoice_id)
    if own is not None:
        return list(own)
    return [row for row in state.data["usage"] if row["invoiceNumber"] == invoice_id]


def published_invoices(state: SimState) -> list[dict[str, Any]]:
    now = state.now()
    return [inv for inv in state.data["invoices"].values() if parse_instant(inv["_publishAt"]) <= now]


def invoice_resource(state: SimState, invoice: dict[str, Any], *, with_pdf: bool) -> dict[str, Any]:
    body = {key: value for key, value in invoice.items() if not key.startswith("_")}
    now = state.now()
    body["amendments"] = [
        invoice_resource(state, state.data["invoices"][note_id], with_pdf=False)
        for note_id in invoice.get("amendments", [])
        if parse_instant(state.data["invoices"][note_id]["_publishAt"]) <= now
    ]
    if with_pdf:
        body["pdfDownloadLink"] = f"/v1/invoices/{invoice['id']}/documents/statement"
    return body


def unbilled_rows(state: SimState, period: str) -> list[dict[str, Any]]:
    """`current`: rows of the open month; `previous`: rows of last month not yet on a published invoice."""
    now = state.now()
    month_start = midnight(now.date().replace(day=1))
    published = {inv["id"] for inv in published_invoices(state)}
    if period == "current":
        selected = [r for r in state.data["ledger"] if parse_instant(r["orderDate"]) >= month_start]
    else:
        previous_start = midnight((month_start - dt.timedelta(days=1)).date().replace(day=1))
        selected = [
            r
            for r in state.data["ledger"]
            if previous_start <= parse_instant(r["orderDate"]) < month_start
            and r["invoiceNumber"] not in published
        ]
    return [{**row, "invoiceNumber": "", "billingFrequency": ""} for row in selected]
