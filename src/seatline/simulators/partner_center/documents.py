# SPDX-License-Identifier: AGPL-3.0-or-later
"""Azure plan daily rated usage rows, and credit notes with their corrected invoice.

* `post_usage()` appends a `DailyRatedUsageLineItem` (reference-providers.md 3.4) for an Azure
  plan subscription; month close puts it on that month's invoice, whose `invoiceDetails` then
  announce `usage_line_items`. `billingPreTaxTotal = ROUNDDOWN(ROUNDDOWN(EUP x quantity, 2) x
  pcToBCExchangeRate, 2)` (the documented usage formula, rate 1). Usage rows carry no tax.
* `credit_and_correct()` is Microsoft's G-invoice correction (reference-work365.md 6.6): a
  `Credit Note` amending the invoice (every billing row negated, `totalCharges` the negated
  total; like the real thing it has **no daily rated usage**, so its own checksum misses the
  usage), and a corrected invoice re-issuing the rows (optionally without one subscription's
  rows, the wrong charge), both published at once.
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import ROUND_DOWN, Decimal
from typing import Any

from seatline.simulators.partner_center import ledger
from seatline.simulators.partner_center.catalog import CURRENCY, PUBLISHER, find_offer
from seatline.simulators.partner_center.clock import fmt_day, parse_day, parse_instant
from seatline.simulators.partner_center.errors import bad_request, not_found
from seatline.simulators.partner_center.state import PARTNER_MPN_ID, PARTNER_TENANT_ID, SimState, new_id

CENT = Decimal("0.01")
PARTNER_NAME = "Seatline Simulator Partner"


def post_usage(
    state: SimState,
    *,
    subscription_id: str,
    usage_date: dt.date,
    quantity: Decimal,
    unit_price: Decimal,
    meter_name: str = "D2 v3",
    meter_category: str = "Virtual Machines",
    resource_group: str = "rg-prod",
) -> dict[str, Any]:
    sub = state.data["subscriptions"].get(subscription_id)
    if sub is None:
        raise not_found(f"Subscription {subscription_id} not found.", 800016, "SubscriptionNotFound")
    offer = find_offer(sub["offerId"])
    if offer is None or not offer.is_usage:
        raise bad_request(f"Subscription {subscription_id} is not an Azure plan.")
    if quantity < 0 or unit_price < 0:
        raise bad_request("quantity and unitPrice must not be negative.")
    customer = state.data["customers"][sub["customerId"]]
    pre_tax = (unit_price * quantity).quantize(CENT, rounding=ROUND_DOWN)
    entitlement = sub.get("entitlementId") or sub["id"][:8] + "-0000-4000-8000-azure0000000"
    row = {
        "partnerId": PARTNER_TENANT_ID,
        "partnerName": PARTNER_NAME,
        "customerId": sub["customerId"],
        "customerName": customer["companyProfile"]["companyName"],
        "customerDomainName": customer["companyProfile"]["domain"],
        "customerCountry": customer["billingProfile"]["defaultAddress"]["country"],
        "mpnId": PARTNER_MPN_ID,
        "resellerMpnId": "",
        "invoiceNumber": "",
        "productId": offer.product_id,
        "skuId": offer.sku_id,
        "availabilityId": offer.availability_id,
        "skuName": offer.sku_title,
        "productName": offer.title,
        "publisherName": PUBLISHER,
        "publisherId": "",
        "subscriptionId": sub["id"],
        "subscriptionDescription": sub["friendlyName"],
        "chargeStartDate": fmt_day(usage_date.replace(day=1)),
        "chargeEndDate": fmt_day(_month_end(usage_date)),
        "usageDate": fmt_day(usage_date),
        "meterType": "1 Compute Hour",
        "meterCategory": meter_category,
        "meterId": new_id(),
        "meterSubCategory": "Dv3 Series",
        "meterName": meter_name,
        "meterRegion": "US East",
        "unitOfMeasure": "1 Hour",
        "resourceLocation": "eastus",
        "consumedService": "Microsoft.Compute",
        "resourceGroup": resource_group,
        "resourceUri": f"/subscriptions/{entitlement}/resourceGroups/{resource_group}/providers/Microsoft.Compute/virtualMachines/vm1",
        "tags": "",
        "additionalInfo": "",
        "serviceInfo1": "",
        "serviceInfo2": "",
        "chargeType": "new",
        "unitPrice": unit_price,
        "quantity": quantity,
        "unitType": "1 Hour",
        "billingPreTaxTotal": pre_tax,
        "billingCurrency": CURRENCY,
        "pricingPreTaxTotal": pre_tax,
        "pricingCurrency": CURRENCY,
        "entitlementId": entitlement,
        "entitlementDescription": "Azure subscription 1",
        "pcToBCExchangeRate": 1,
        "pcToBCExchangeRateDate": fmt_day(usage_date.replace(day=1)),
        "effectiveUnitPrice": unit_price,
        "rateOfPartnerEarnedCredit": 0,
        "rateOfCredit": 0,
        "creditType": "Credit Not Applied",
        "hasPartnerEarnedCredit": False,
        "benefitOrderId": "",
        "benefitId": "",
        "benefitType": "",
        "invoiceLineItemType": "usage_line_items",
        "billingProvider": "one_time",
        "attributes": {"objectType": "DailyRatedUsageLineItem"},
    }
    state.data["usage"].append(row)
    return row


def _month_end(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def _negated(row: dict[str, Any], invoice_id: str) -> dict[str, Any]:
    copied = copy.deepcopy(row)
    copied["invoiceNumber"] = invoice_id
    for key in ("subtotal", "taxTotal", "totalForCustomer"):
        copied[key] = -Decimal(str(row[key]))
    copied["effectiveUnitPrice"] = -Decimal(str(row["effectiveUnitPrice"]))
    copied["chargeType"] = "customerCredit"
    copied["creditReasonCode"] = "Invoice correction"
    return copied


def credit_and_correct(
    state: SimState, invoice_id: str, *, drop_subscription: str | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Credit the whole invoice and re-issue it corrected; both published now."""
    original = state.data["invoices"].get(invoice_id)
    if original is None or parse_instant(original["_publishAt"]) > state.now():
        raise not_found(f"Invoice {invoice_id} not found.", 1000, "InvoiceNotFound")
    if original["documentType"] != "Invoice" or original.get("_credited"):
        raise bad_request(f"Invoice {invoice_id} cannot be credited again.")
    now = state.now()
    period = (parse_day(original["billingPeriodStartDate"]), parse_day(original["billingPeriodEndDate"]))
    rows = ledger.invoice_rows(state, invoice_id)
    usage = list(
        state.data["document_usage"].get(invoice_id)
        or [row for row in state.data["usage"] if row["invoiceNumber"] == invoice_id]
    )

    note_id = ledger.next_invoice_id(state)
    note_rows = [_negated(row, note_id) for row in rows]
    note = ledger.invoice_document(
        state,
        note_id,
        at=now,
        period=period,
        rows=note_rows,
        usage=[],
        publish_at=now,
        document_type="Credit Note",
        amends_of=invoice_id,
        header_tax=-(
            Decimal(str(original["taxTotal"])) - sum((Decimal(str(r["taxTotal"])) for r in rows), Decimal(0))
        ),
    )
    # The credit note credits the whole invoice, usage included, but has no usage rows of its own.
    note["totalCharges"] = -Decimal(str(original["totalCharges"]))
    state.data["document_rows"][note_id] = note_rows
    state.data["invoices"][note_id] = note
    original["amendments"] = [*original.get("amendments", []), note_id]
    original["_credited"] = True

    corrected_id = ledger.next_invoice_id(state)
    kept = [row for row in rows if row["subscriptionId"] != drop_subscription]
    kept_usage = [row for row in usage if row["subscriptionId"] != drop_subscription]
    corrected_rows = [{**copy.deepcopy(row), "invoiceNumber": corrected_id} for row in kept]
    corrected_usage = [{**copy.deepcopy(row), "invoiceNumber": corrected_id} for row in kept_usage]
    corrected = ledger.invoice_document(
        state, corrected_id, at=now, period=period, rows=corrected_rows, usage=corrected_usage, publish_at=now
    )
    state.data["document_rows"][corrected_id] = corrected_rows
    state.data["document_usage"][corrected_id] = corrected_usage
    state.data["invoices"][corrected_id] = corrected
    return note, corrected
