# SPDX-License-Identifier: AGPL-3.0-or-later
"""Microsoft Graph partner billing v2 exports (reference-providers.md 3.7, 8.1) and the blob store.

* `POST /v1.0/reports/partners/billing/reconciliation/billed/export` and `.../usage/billed/export`
  `{"invoiceId", "attributeSet": "full"|"basic"}` -> 202 + `Location` of the operation.
* `GET /v1.0/reports/partners/billing/operations/{id}`: `running` with `Retry-After` for
  `export_polls` polls, then `succeeded` with `resourceLocation@odata.navigationLink` (the
  manifest), or `failed` with code `5000` "No data available" (an invoice without such rows, or
  usage not processed yet).
* `GET /v1.0/reports/partners/billing/manifests/{id}`: rootDirectory, sasToken, blobCount, blobs.
* `GET /blobs/{container}/{name}?<sas>`: gzip JSON lines, PascalCase attribute names; no bearer
  token, the SAS instead: 403 (Azure's `AuthenticationFailed`) when its signature is wrong or the
  simulator clock is past its `se` expiry (`sas_lifetime`).

Reconciliation rows are the v1 rows renamed to the recon-file names with `Tier2MpnId` and
`ProductCategory` (the public evidence of the v2 schema); usage rows use the attribute names of
Graph's attributeSet page, `basic` dropping the 24 `full`-only ones.
"""

from __future__ import annotations

import gzip
import math
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from seatline.simulators.base.errors import SimError
from seatline.simulators.partner_center import jsonio, ledger
from seatline.simulators.partner_center.clock import fmt_instant, parse_instant
from seatline.simulators.partner_center.state import PARTNER_TENANT_ID, SimState, new_id
from seatline.simulators.partner_center.web import Request, Response, route

BILLING = "/v1.0/reports/partners/billing"
ODATA = "#microsoft.graph.partners.billing"

RECON_RENAMES = {
    "totalForCustomer": "Total",
    "resellerMpnId": "Tier2MpnId",
    "mpnId": "MpnId",
    "pcToBCExchangeRate": "PCToBCExchangeRate",
    "pcToBCExchangeRateDate": "PCToBCExchangeRateDate",
    "referenceId": "ReferenceId",
}
RECON_DROPPED = {"invoiceLineItemType", "billingProvider", "attributes", "discountDetails"}
# Not documented for the billed reconciliation export: descriptive columns left out of `basic`.
RECON_BASIC_DROPPED = {
    "CustomerDomainName",
    "CustomerCountry",
    "PublisherName",
    "PublisherId",
    "SubscriptionDescription",
    "MeterDescription",
    "PriceAdjustmentDescription",
    "ProductCategory",
    "AlternateId",
    "Tier2MpnId",
    "MpnId",
}
USAGE_RENAMES = {
    "unitOfMeasure": "Unit",
    "resourceUri": "ResourceURI",
    "resellerMpnId": "Tier2MpnId",
    "mpnId": "MpnId",
    "pcToBCExchangeRate": "PCToBCExchangeRate",
    "pcToBCExchangeRateDate": "PCToBCExchangeRateDate",
    "rateOfPartnerEarnedCredit": "PartnerEarnedCreditPercentage",
    "rateOfCredit": "CreditPercentage",
    "benefitOrderId": "BenefitOrderID",
    "benefitId": "BenefitID",
}
USAGE_DROPPED = {"invoiceLineItemType", "billingProvider", "attributes", "hasPartnerEarnedCredit"}
USAGE_BASIC = {
    "AdditionalInfo", "BenefitOrderID", "BenefitType", "BillingCurrency", "BillingPreTaxTotal",
    "ChargeEndDate", "ChargeStartDate", "ChargeType", "CreditPercentage", "CreditType", "CustomerId",
    "CustomerName", "EffectiveUnitPrice", "EntitlementId", "InvoiceNumber", "PartnerId", "PartnerName",
    "PCToBCExchangeRate", "PricingCurrency", "PricingPreTaxTotal", "ProductId", "PublisherName",
    "Quantity", "ResourceURI", "SkuId", "SkuName", "SubscriptionId", "UnitPrice", "UnitType", "UsageDate",
}  # fmt: skip


class GraphError(SimError):
    """Graph's OData error envelope."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(status, message)
        self.code = code

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message}}


def _pascal(key: str, renames: dict[str, str]) -> str:
    return renames.get(key) or key[:1].upper() + key[1:]


def recon_record(row: dict[str, Any], attribute_set: str) -> dict[str, Any]:
    record = {_pascal(k, RECON_RENAMES): v for k, v in row.items() if k not in RECON_DROPPED}
    record["ProductCategory"] = (
        "Azure" if record.get("ProductId", "").startswith("DZH") else "OnlineServicesNCE"
    )
    if attribute_set == "basic":
        record = {k: v for k, v in record.items() if k not in RECON_BASIC_DROPPED}
    return record


def usage_record(row: dict[str, Any], attribute_set: str) -> dict[str, Any]:
    record = {_pascal(k, USAGE_RENAMES): v for k, v in row.items() if k not in USAGE_DROPPED}
    if attribute_set == "basic":
        record = {k: v for k, v in record.items() if k in USAGE_BASIC}
    return record


def _export(request: Request, kind: str) -> Response:
    body = request.json()
    if not isinstance(body, dict) or not isinstance(body.get("invoiceId"), str) or not body["invoiceId"]:
        raise GraphError(400, "BadRequest", "invoiceId is required.")
    attribute_set = str(body.get("attributeSet") or "full")
    if attribute_set not in ("full", "basic"):
        raise GraphError(400, "BadRequest", f"attributeSet {attribute_set!r} is not full or basic.")
    state: SimState = request.state
    op_id = new_id()
    state.data["exports"][op_id] = {
        "kind": kind,
        "invoiceId": body["invoiceId"].upper(),
        "attributeSet": attribute_set,
        "polls": 0,
        "createdAt": fmt_instant(state.now()),
        "manifestId": None,
        "status": "running",
    }
    location = f"{_base(request)}{BILLING}/operations/{op_id}"
    return Response(202, None, {"Location": location, "Retry-After": str(state.config["export_retry_after"])})


@route("POST", f"{BILLING}/reconciliation/billed/export")
def export_billed_reconciliation(request: Request) -> Response:
    return _export(request, "reconciliation")


@route("POST", f"{BILLING}/usage/billed/export")
def export_billed_usage(request: Request) -> Response:
    return _export(request, "usage")


def _rows_for(state: SimState, export: dict[str, Any]) -> list[dict[str, Any]] | None:
    invoice = state.data["invoices"].get(export["invoiceId"])
    if invoice is None or parse_instant(invoice["_publishAt"]) > state.now():
        return None
    if export["kind"] == "usage":
        return [
            usage_record(row, export["attributeSet"]) for row in ledger.invoice_usage(state, invoice["id"])
        ]
    return [recon_record(row, export["attributeSet"]) for row in ledger.invoice_rows(state, invoice["id"])]


def _finish(request: Request, op_id: str, export: dict[str, Any]) -> None:
    state: SimState = request.state
    rows = _rows_for(state, export)
    if not rows:
        export["status"] = "failed"
        return
    parts = max(1, min(int(state.config["export_partitions"]) or 1, len(rows)))
    size = math.ceil(len(rows) / parts)
    container = f"billing-{op_id[:8]}"
    signature = secrets.token_hex(16)
    expires = state.now() + timedelta(seconds=int(state.config["sas_lifetime"]))
    blobs = []
    for index in range(parts):
        name = f"{export['invoiceId']}/part-{index + 1:05d}.json.gz"
        state.data["blobs"][f"{container}/{name}"] = {
            "rows": rows[index * size : (index + 1) * size],
            "expiresAt": fmt_instant(expires),
            "sig": signature,
        }
        blobs.append({"name": name, "partitionValue": str(index + 1)})
    manifest_id = new_id()
    state.data["manifests"][manifest_id] = {
        "id": manifest_id,
        "schemaVersion": "2",
        "dataFormat": "compressedJSON",
        "createdDateTime": fmt_instant(state.now()),
        "eTag": secrets.token_hex(8),
        "partnerTenantId": PARTNER_TENANT_ID,
        "rootDirectory": f"{_base(request)}/blobs/{container}",
        "sasToken": f"sv=2023-01-03&sr=c&sp=rl&se={quote(fmt_instant(expires))}&sig={signature}",
        "partitionType": "default",
        "blobCount": len(blobs),
        "blobs": blobs,
    }
    export["manifestId"] = manifest_id
    export["status"] = "succeeded"


def _base(request: Request) -> str:
    host = request.header("Host") or "127.0.0.1"
    return f"http://{host}"


@route("GET", f"{BILLING}/operations/{{op_id}}", mutating=True)
def get_operation(request: Request, op_id: str) -> Response:
    state: SimState = request.state
    export = state.data["exports"].get(op_id)
    if export is None:
        raise GraphError(404, "NotFound", f"Operation {op_id} not found.")
    common = {
        "id": op_id,
        "createdDateTime": export["createdAt"],
        "lastActionDateTime": fmt_instant(state.now()),
    }
    if export["status"] == "running":
        export["polls"] += 1
        if export["polls"] <= int(state.config["export_polls"]):
            retry = str(state.config["export_retry_after"])
            body = {"@odata.type": f"{ODATA}.runningOperation", **common, "status": "running"}
            return Response(200, body, {"Retry-After": retry})
        _finish(request, op_id, export)
    if export["status"] == "failed":
        error = {"code": "5000", "message": "No data available"}
        return Response(
            200, {"@odata.type": f"{ODATA}.failedOperation", **common, "status": "failed", "error": error}
        )
    link = f"{_base(request)}{BILLING}/manifests/{export['manifestId']}"
    body = {
        "@odata.type": f"{ODATA}.exportSuccessOperation",
        **common,
        "status": "succeeded",
        "resourceLocation@odata.navigationLink": link,
    }
    return Response(200, body)


@route("GET", f"{BILLING}/manifests/{{manifest_id}}")
def get_manifest(request: Request, manifest_id: str) -> Response:
    manifest = request.state.data["manifests"].get(manifest_id)
    if manifest is None:
        raise GraphError(404, "NotFound", f"Manifest {manifest_id} not found.")
    return Response(200, {"@odata.type": f"{ODATA}.manifest", **manifest})


@route("GET", "/blobs/{container}/{invoice_id}/{name}")
def get_blob(request: Request, container: str, invoice_id: str, name: str) -> Response:
    state: SimState = request.state
    blob = state.data["blobs"].get(f"{container}/{invoice_id}/{name}")
    if blob is None:
        raise _blob_error(404, "BlobNotFound", "The specified blob does not exist.")
    if request.param("sig") != blob["sig"]:
        raise _blob_error(403, "AuthenticationFailed", "Signature did not match.")
    if state.now() > parse_instant(blob["expiresAt"]):
        raise _blob_error(403, "AuthenticationFailed", "Signed expiry time has passed.")
    lines = b"".join(jsonio.dumps(row).encode("utf-8") + b"\n" for row in blob["rows"])
    return Response(200, raw=gzip.compress(lines, mtime=0), content_type="application/octet-stream")


def _blob_error(status: int, code: str, message: str) -> GraphError:
    return GraphError(status, code, message)
