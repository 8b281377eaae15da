# SPDX-License-Identifier: AGPL-3.0-or-later
"""Microsoft Graph partner billing v2: the asynchronous billed reconciliation and usage exports.

    POST /v1.0/reports/partners/billing/reconciliation/billed/export {"invoiceId", "attributeSet": "full"}
    POST /v1.0/reports/partners/billing/usage/billed/export          (same body)
      -> 202 Accepted, Location: .../reports/partners/billing/operations/{id}
    GET  operations/{id} -> running (Retry-After) | failed {error {code, message}} |
                            succeeded {resourceLocation@odata.navigationLink -> manifest}
    GET  manifests/{id} -> {rootDirectory, sasToken, blobCount, blobs[{name, partitionValue}]}
    GET  {rootDirectory}/{name}?{sasToken}  (Azure blob storage, no bearer token): gzip JSON lines

Every blob partition is downloaded and decompressed as a stream (flat memory whatever the size);
each JSON line is read by alias through `invoices.parse_line` / `parse_usage_line`, so unknown
attributes are ignored and missing ones read as empty. `full` attributes are always requested.
A blob answering 403 after its SAS expiry raises `ProviderExportExpiredError`; an operation that
failed with code 5000 ("No data available") raises `ProviderNoDataError`.
"""

from __future__ import annotations

import json
import logging
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import httpx

from seatline.connectors.base import RatedUsageLine, ReconciliationLine
from seatline.connectors.errors import (
    ProviderBadResponseError,
    ProviderError,
    ProviderExportExpiredError,
    ProviderNoDataError,
    ProviderUnavailableError,
)
from seatline.connectors.partner_center.client import error_from_response, retry_after_seconds
from seatline.connectors.partner_center.invoices import parse_line, parse_usage_line
from seatline.connectors.partner_center.parsing import Fields, loads_body
from seatline.connectors.partner_center.tokens import TokenProvider

log = logging.getLogger(__name__)

DEFAULT_GRAPH_URL = "https://graph.microsoft.com"
BILLING = "/v1.0/reports/partners/billing"
EXPORTS = {
    "reconciliation": f"{BILLING}/reconciliation/billed/export",
    "usage": f"{BILLING}/usage/billed/export",
}
NO_DATA_CODE = "5000"


@dataclass(frozen=True)
class ExportBlob:
    name: str
    partition_value: str = ""


@dataclass(frozen=True)
class ExportManifest:
    id: str
    root_directory: str
    sas_token: str
    blob_count: int
    blobs: tuple[ExportBlob, ...]
    data_format: str = ""
    schema_version: str = ""

    def blob_url(self, blob: ExportBlob) -> str:
        token = self.sas_token.lstrip("?")
        return f"{self.root_directory.rstrip('/')}/{blob.name.lstrip('/')}" + (f"?{token}" if token else "")


class GraphBillingExports:
    """The Graph billed exports of one partner tenant (an httpx client, a Graph token provider)."""

    def __init__(
        self,
        *,
        token_provider: TokenProvider,
        base_url: str = DEFAULT_GRAPH_URL,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        poll_interval: float = 10.0,
        max_wait: float = 3600.0,
        max_attempts: int = 4,
        max_retry_sleep: float = 60.0,
    ) -> None:
        self.token_provider = token_provider
        self.base_url = base_url.rstrip("/")
        self._http = http or httpx.Client(timeout=60.0)
        self.sleep = sleep
        self.poll_interval = poll_interval
        self.max_wait = max_wait
        self.max_attempts = max_attempts
        self.max_retry_sleep = max_retry_sleep

    # -- calls -------------------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            if urlsplit(path)[:2] != urlsplit(self.base_url)[:2]:
                raise ProviderError("Graph pointed to another host", provider_message=path)
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def _call(self, method: str, path: str, *, json_body: Any = None) -> httpx.Response:
        """One Graph call with the bearer token: 429 and 5xx (GET) retried, 401 refreshes once."""
        url = self._url(path)
        refreshed = force = False
        attempt = 0
        while True:
            attempt += 1
            token = self.token_provider.get_token(force_refresh=force)
            force = False
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
            try:
                response = self._http.request(method, url, json=json_body, headers=headers)
            except httpx.TransportError as exc:
                if method == "GET" and attempt < self.max_attempts:
                    self.sleep(min(2.0**attempt, self.max_retry_sleep))
                    continue
                raise ProviderUnavailableError(
                    "Microsoft Graph could not be reached", provider_message=repr(exc), retryable=True
                ) from exc
            status = response.status_code
            if status == 401 and not refreshed:
                refreshed = force = True
                attempt -= 1  # the token refresh does not use up a retry
                continue
            retry_after = retry_after_seconds(response.headers.get("Retry-After"))
            retryable = status == 429 or (status >= 500 and method == "GET")
            if retryable and attempt < self.max_attempts:
                wait = retry_after if retry_after is not None else min(2.0**attempt, self.max_retry_sleep)
                if wait <= self.max_retry_sleep:
                    self.sleep(wait)
                    continue
            if status >= 400:
                raise error_from_response(status, response.content, retry_after=retry_after)
            return response

    def _object(self, response: httpx.Response, what: str) -> Fields:
        source = f"{response.request.method} {response.request.url.path}"
        data = loads_body(response.content, charset=response.charset_encoding, source=source)
        if not isinstance(data, dict):
            raise ProviderBadResponseError(f"the {what} from {source} is not a JSON object")
        return Fields(data, source=source, content=response.content)

    # -- the export protocol -----------------------------------------------------------------------

    def start(self, kind: str, invoice_id: str, *, attribute_set: str = "full") -> str:
        """POST the export; returns the operation URL of the 202's Location header."""
        response = self._call(
            "POST", EXPORTS[kind], json_body={"invoiceId": invoice_id, "attributeSet": attribute_set}
        )
        location = response.headers.get("Location")
        if response.status_code != 202 or not location:
            raise ProviderBadResponseError(
                f"the {kind} export of {invoice_id} answered HTTP {response.status_code} without a Location"
            )
        return location

    def wait(self, operation_url: str) -> str:
        """Poll the operation, honouring Retry-After, until it succeeds; returns the manifest URL."""
        waited = 0.0
        while True:
            response = self._call("GET", operation_url)
            body = self._object(response, "operation")
            status = body.text("status").lower()
            if status == "succeeded":
                link = body.text("resourceLocation@odata.navigationLink")
                if not link:
                    raise body.bad("has no resourceLocation@odata.navigationLink")
                return link
            if status == "failed":
                error = body.child("error")
                code, message = error.text("code"), error.text("message")
                if code == NO_DATA_CODE:
                    raise ProviderNoDataError(provider_message=message, provider_name=code)
                raise ProviderError("the Graph export failed", provider_name=code, provider_message=message)
            if status not in ("running", "notstarted", "queued"):
                raise body.bad(f"has an unknown operation status {status!r}")
            retry_after = retry_after_seconds(response.headers.get("Retry-After"))
            delay = retry_after if retry_after is not None else self.poll_interval
            if waited + delay > self.max_wait:
                raise ProviderError(
                    f"the Graph export did not finish within {self.max_wait:.0f} s", retryable=True
                )
            self.sleep(delay)
            waited += delay

    def manifest(self, manifest_url: str) -> ExportManifest:
        body = self._object(self._call("GET", manifest_url), "manifest")
        blobs = tuple(
            ExportBlob(name=item.text("name"), partition_value=item.text("partitionValue"))
            for item in body.children("blobs")
        )
        if not body.text("rootDirectory") or any(not blob.name for blob in blobs):
            raise body.bad("lacks rootDirectory or a blob name")
        count = body.integer("blobCount", default=len(blobs))
        if count != len(blobs):
            raise body.bad(f"announces {count} blob(s) but lists {len(blobs)}")
        return ExportManifest(
            id=body.text("id"),
            root_directory=body.text("rootDirectory"),
            sas_token=body.text("sasToken"),
            blob_count=count,
            blobs=blobs,
            data_format=body.text("dataFormat"),
            schema_version=body.text("schemaVersion"),
        )

    def iter_records(self, manifest: ExportManifest) -> Iterator[dict[str, Any]]:
        """Every JSON line of every blob partition, streamed and decompressed on the fly."""
        for blob in manifest.blobs:
            url = manifest.blob_url(blob)
            # Blob storage authenticates with the SAS token in the URL: no bearer token is sent.
            with self._http.stream("GET", url) as response:
                if response.status_code == 403:
                    raise ProviderExportExpiredError(
                        provider_message=f"blob {blob.name}: HTTP 403 {response.read()[:200]!r}",
                        http_status=403,
                    )
                if response.status_code >= 400:
                    raise ProviderUnavailableError(
                        f"blob {blob.name} answered HTTP {response.status_code}",
                        http_status=response.status_code,
                        retryable=True,
                    )
                yield from _json_lines(response.iter_bytes(), source=blob.name)

    def export(self, kind: str, invoice_id: str) -> Iterator[dict[str, Any]]:
        operation = self.start(kind, invoice_id)
        manifest = self.manifest(self.wait(operation))
        log.info("Graph %s export of %s: %s blob(s)", kind, invoice_id, manifest.blob_count)
        return self.iter_records(manifest)

    def reconciliation_lines(self, invoice_id: str) -> Iterator[ReconciliationLine]:
        for record in self.export("reconciliation", invoice_id):
            yield parse_line(record)

    def usage_lines(self, invoice_id: str) -> Iterator[RatedUsageLine]:
        for record in self.export("usage", invoice_id):
            yield parse_usage_line(record)

    def close(self) -> None:
        self._http.close()


def _json_lines(chunks: Iterator[bytes], *, source: str) -> Iterator[dict[str, Any]]:
    """JSON objects of a gzip (or plain) JSON-lines byte stream, one line at a time."""
    inflate: Any = None
    pending = b""
    first = True
    for chunk in chunks:
        if first and chunk:
            first = False
            if chunk[:2] == b"\x1f\x8b":
                inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        data = inflate.decompress(chunk) if inflate is not None else chunk
        pending += data
        *lines, pending = pending.split(b"\n")
        for line in lines:
            record = _record(line, source)
            if record is not None:
                yield record
    if inflate is not None:
        pending += inflate.flush()
    for line in pending.split(b"\n"):
        record = _record(line, source)
        if record is not None:
            yield record


def _record(line: bytes, source: str) -> dict[str, Any] | None:
    text = line.strip().lstrip(b"\xef\xbb\xbf")
    if not text:
        return None
    try:
        value = json.loads(text, parse_float=Decimal)
    except ValueError as exc:
        raise ProviderBadResponseError(f"blob {source} has a line that is not JSON: {text[:120]!r}") from exc
    if not isinstance(value, dict):
        raise ProviderBadResponseError(f"blob {source} has a line that is not a JSON object: {text[:120]!r}")
    return value
