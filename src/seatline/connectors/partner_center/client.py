# SPDX-License-Identifier: AGPL-3.0-or-later
"""HTTP transport for the Partner Center REST API.

One `request()` is one *logical* call: it carries one `MS-RequestId` (Partner Center's idempotency
key) for all its attempts, retries throttling (429, honouring `Retry-After`, bounded by
`max_attempts` and `max_retry_sleep`), refreshes the token once after a 401, retries transport
failures and 5xx for idempotent calls, and maps errors to `ProviderError`s. `iter_items()` follows
Partner Center's continuation paging (`links.next` + `MS-ContinuationToken` + `seekOperation=Next`).
The sleep function is injectable so tests do not wait.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

from seatline import clock
from seatline.connectors.errors import (
    ProviderBadResponseError,
    ProviderError,
    ProviderUnavailableError,
)
from seatline.connectors.partner_center.errors import error_for_code, parse_code
from seatline.connectors.partner_center.parsing import (
    Fields,
    bad_response,
    decode_body,
    dumps,
    loads,
    loads_body,
)
from seatline.connectors.partner_center.tokens import TokenProvider

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.partnercenter.microsoft.com"
CONTINUATION_HEADER = "MS-ContinuationToken"
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRYABLE_SERVER_STATUSES = frozenset({500, 502, 503, 504})


@dataclass(frozen=True)
class PartnerCenterResponse:
    """One answer. `data` is its parsed JSON (numbers with a fraction as Decimal; None for an empty
    body), read on first use: a body that is not JSON raises `ProviderBadResponseError` naming the
    call, the request id and the first bytes, instead of reading as nothing."""

    status: int
    headers: httpx.Headers
    content: bytes
    request_id: str
    correlation_id: str
    method: str = "GET"
    path: str = ""
    charset: str | None = None

    @property
    def source(self) -> str:
        return f"{self.method} {self.path} (MS-RequestId {self.request_id})"

    @cached_property
    def data(self) -> Any:
        return loads_body(self.content, charset=self.charset, source=self.source, request_id=self.request_id)

    def bad(self, reason: str) -> ProviderBadResponseError:
        error = bad_response(reason, source=self.source, content=self.content, request_id=self.request_id)
        error.http_status = self.status
        return error

    def fields(self) -> Fields:
        """The body as a JSON object; `ProviderBadResponseError` for anything else (empty included)."""
        try:
            data = self.data
        except ProviderBadResponseError as error:
            error.http_status = self.status
            raise
        if not isinstance(data, dict):
            raise self.bad("is not a JSON object" if data is not None else "is empty, not a JSON object")
        return Fields(data, source=self.source, request_id=self.request_id, content=self.content)


def new_id() -> str:
    return str(uuid.uuid4())


class PartnerCenterClient:
    """Authenticated, retrying, error-mapping HTTP client for `/v1` Partner Center resources."""

    def __init__(
        self,
        *,
        token_provider: TokenProvider,
        base_url: str = DEFAULT_BASE_URL,
        http: httpx.Client | None = None,
        timeout: float = 30.0,
        max_attempts: int = 4,
        max_retry_sleep: float = 30.0,
        backoff_base: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        application_name: str = "Seatline",
        locale: str = "en-US",
        max_pages: int = 100_000,
        id_factory: Callable[[], str] = new_id,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.base_url = base_url.rstrip("/")
        self.token_provider = token_provider
        self._http = http or httpx.Client(timeout=timeout)
        self.max_attempts = max_attempts
        self.max_retry_sleep = max_retry_sleep
        self.backoff_base = backoff_base
        self.sleep = sleep
        self.application_name = application_name
        self.locale = locale
        self.max_pages = max_pages
        self._new_id = id_factory

    def close(self) -> None:
        self._http.close()

    def new_correlation_id(self) -> str:
        """A fresh MS-CorrelationId for an operation made of several calls (GET + PATCH, cart + checkout)."""
        return self._new_id()

    # -- one logical call ----------------------------------------------------------------------

    def url(self, path: str) -> str:
        """Absolute URL for a path; absolute URLs (next links, Location) must stay on the API host."""
        if path.startswith(("http://", "https://")):
            if urlsplit(path)[:2] != urlsplit(self.base_url)[:2]:
                # Never send the bearer token to another host.
                raise ProviderError("Partner Center pointed to another host", provider_message=path)
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        allow_statuses: tuple[int, ...] = (),
        idempotent: bool | None = None,
        correlation_id: str | None = None,
    ) -> PartnerCenterResponse:
        """Send one logical call (retries included); 2xx and `allow_statuses` return, others raise."""
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        request_id = self._new_id()
        correlation_id = correlation_id or self._new_id()
        url = self.url(path)
        if params:
            url = _with_query(url, {k: str(v) for k, v in params.items()})
        content = dumps(json) if json is not None else None
        attempt = 0
        refreshed = False
        force_refresh = False
        while True:
            attempt += 1
            token = self.token_provider.get_token(force_refresh=force_refresh)
            force_refresh = False
            send_headers = {
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
                "MS-RequestId": request_id,
                "MS-CorrelationId": correlation_id,
                "MS-Contract-Version": "v1",
                "MS-PartnerCenter-Application": self.application_name,
                "X-Locale": self.locale,
            }
            if content is not None:
                send_headers["Content-Type"] = "application/json"
            if headers:
                send_headers.update(headers)
            try:
                response = self._http.request(method, url, content=content, headers=send_headers)
            except httpx.TransportError as exc:
                if idempotent and attempt < self.max_attempts:
                    self._backoff(attempt, f"{method} {url}: {exc!r}")
                    continue
                raise ProviderUnavailableError(
                    "Partner Center could not be reached",
                    provider_message=repr(exc),
                    retryable=True,
                    request_id=request_id,
                ) from exc
            status = response.status_code
            if status == 401 and not refreshed:
                refreshed = True
                force_refresh = True
                attempt -= 1  # the token refresh does not use up a retry
                log.info("Partner Center 401 on %s %s: refreshing the token once", method, url)
                continue
            if status == 429:
                retry_after = retry_after_seconds(response.headers.get("Retry-After"))
                wait = retry_after if retry_after is not None else self._backoff_delay(attempt)
                if attempt < self.max_attempts and wait <= self.max_retry_sleep:
                    log.info("Partner Center 429 on %s %s: retrying in %ss", method, url, wait)
                    self.sleep(wait)
                    continue
                raise self._error(response, request_id, retry_after=retry_after)
            if status in RETRYABLE_SERVER_STATUSES and idempotent and attempt < self.max_attempts:
                self._backoff(attempt, f"{method} {url}: HTTP {status}")
                continue
            if 200 <= status < 300 or status in allow_statuses:
                return PartnerCenterResponse(
                    status=status,
                    headers=response.headers,
                    content=response.content,
                    request_id=response.headers.get("MS-RequestId") or request_id,
                    correlation_id=correlation_id,
                    method=method,
                    path=urlsplit(url).path,
                    charset=response.charset_encoding,
                )
            raise self._error(response, request_id)

    def get(self, path: str, *, params: Mapping[str, str | int] | None = None, **kwargs: Any) -> Any:
        return self.request("GET", path, params=params, **kwargs).data

    def get_object(
        self, path: str, *, params: Mapping[str, str | int] | None = None, **kwargs: Any
    ) -> Fields:
        """GET a resource that must be a JSON object (else `ProviderBadResponseError`)."""
        return self.request("GET", path, params=params, **kwargs).fields()

    # -- paging --------------------------------------------------------------------------------

    def iter_items(
        self,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        correlation_id: str | None = None,
        identity: str | None = "id",
    ) -> Iterator[Fields]:
        """Items of a collection, fetching each next page only when the caller gets that far.

        Each item is a `Fields` view (its `where` is "items[n]"). A page that is not an object with
        an `items` list, an item that is not an object, or (with `identity`) an item without that
        field raises `ProviderBadResponseError`: a list is never read as shorter than it is.
        """
        correlation_id = correlation_id or self._new_id()
        response = self.request("GET", path, params=params, correlation_id=correlation_id)
        pages = 1
        seen_tokens: set[str] = set()
        seen_pages: set[tuple[str, str]] = set()
        while True:
            body = response.fields()
            items = body.value("items")
            if not isinstance(items, list):
                raise response.bad("has no items list")
            for index, item in enumerate(items):
                if not isinstance(item, dict):
                    raise response.bad(f"has items[{index}] that is not a JSON object")
                fields = Fields(
                    item,
                    where=f"items[{index}]",
                    source=response.source,
                    request_id=response.request_id,
                    content=response.content,
                )
                if identity:
                    fields.require_text(identity)
                yield fields
            following = next_page(body)
            if following is None:
                return
            url, headers = following
            token = headers.get(CONTINUATION_HEADER, "")
            if token and token in seen_tokens:
                raise ProviderError(
                    "Partner Center returned the same continuation token twice", provider_message=token
                )
            if (url, token) in seen_pages:  # offset paging (no token) pointing back to a page read
                raise ProviderError("Partner Center pointed to the same page twice", provider_message=url)
            seen_tokens.add(token)
            seen_pages.add((url, token))
            pages += 1
            if pages > self.max_pages:
                raise ProviderError(f"more than {self.max_pages} pages; stopping")
            response = self.request("GET", url, headers=headers, correlation_id=correlation_id)

    # -- helpers -------------------------------------------------------------------------------

    def _backoff_delay(self, attempt: int) -> float:
        return min(self.backoff_base * (2 ** (attempt - 1)), self.max_retry_sleep)

    def _backoff(self, attempt: int, why: str) -> None:
        delay = self._backoff_delay(attempt)
        log.info("Partner Center retry %s after %ss (%s)", attempt, delay, why)
        self.sleep(delay)

    def _error(
        self, response: httpx.Response, request_id: str, *, retry_after: float | None = None
    ) -> ProviderError:
        return error_from_response(
            response.status_code,
            response.content,
            request_id=response.headers.get("MS-RequestId") or request_id,
            retry_after=retry_after,
            charset=response.charset_encoding,
        )


def error_from_response(
    status: int,
    body: bytes | str,
    *,
    request_id: str | None = None,
    retry_after: float | None = None,
    charset: str | None = None,
) -> ProviderError:
    """The `ProviderError` for a Partner Center error response (`{code, description, errorName}`).

    The body may start with a byte-order mark and use any key casing; its code is kept either way.
    """
    try:
        body_text = decode_body(body, charset) if isinstance(body, bytes) else body.lstrip("\ufeff")
    except ValueError:
        body_text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    parsed: Any = None
    if body_text.strip():
        try:
            parsed = loads(body_text)
        except ValueError:
            parsed = None
    details = Fields(parsed)
    if isinstance(details.value("error"), dict):  # OData-style {"error": {"code", "message"}}
        details = details.child("error")
    raw_code = details.value("code", details.value("errorCode"))
    provider_code = parse_code(raw_code)
    name = details.value("errorName") or (
        raw_code if isinstance(raw_code, str) and not raw_code.isdigit() else None
    )
    message = details.value("description") or details.value("message") or details.value("errorMessage")
    if not message and parsed is None and body_text:
        message = body_text[:1024]
    error = error_for_code(
        http_status=status,
        provider_code=provider_code,
        provider_message=str(message) if message else None,
        provider_name=str(name) if name else None,
        retry_after=retry_after,
        request_id=request_id,
    )
    if details.flag("isRetryable"):
        error.retryable = True
    return error


def next_page(body: Fields) -> tuple[str, dict[str, str]] | None:
    """(url, headers) of the next page from a collection body, or None on the last page."""
    following = body.child("links").child("next")
    if not following:
        return None
    headers: dict[str, str] = {}
    raw_headers = following.value("headers") or []
    if isinstance(raw_headers, dict):
        raw_headers = [{"key": k, "value": v} for k, v in raw_headers.items()]
    for entry in raw_headers if isinstance(raw_headers, list) else []:
        header = Fields(entry)
        if header.text("key"):
            key = header.text("key")
            if key.lower() == CONTINUATION_HEADER.lower():
                key = CONTINUATION_HEADER
            headers[key] = header.text("value")
    if CONTINUATION_HEADER not in headers and body.text("continuationToken"):
        headers[CONTINUATION_HEADER] = body.text("continuationToken")
    uri = following.text("uri")
    if not uri:
        return None
    return _with_query(_v1_path(uri), {"seekOperation": "Next"}, keep_existing=True), headers


def _v1_path(uri: str) -> str:
    """Partner Center writes next links as "/v1/customers?..." or as "/invoices/..." (no /v1)."""
    if uri.startswith(("http://", "https://")):
        return uri
    path = uri if uri.startswith("/") else f"/{uri}"
    if not path.startswith("/v1/"):
        path = f"/v1{path}"
    return path


def _with_query(url: str, params: Mapping[str, str], *, keep_existing: bool = False) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    for key, value in params.items():
        present = next((k for k in query if k.lower() == key.lower()), None)
        if present is not None and keep_existing:
            continue
        if present is not None:
            del query[present]
        query[key] = value
    return parts._replace(query=urlencode(query)).geturl()


def retry_after_seconds(value: str | None) -> float | None:
    """`Retry-After` as seconds: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - clock.now()).total_seconds())
