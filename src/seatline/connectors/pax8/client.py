# SPDX-License-Identifier: AGPL-3.0-or-later
"""HTTP transport for the Pax8 partner API (`https://api.pax8.com/v1`).

One `request()` is one logical call: the token is refreshed once after a 401, throttling (429) is
retried honouring `Retry-After` (bounded by `max_attempts` and `max_retry_sleep`), 5xx answers and
transport failures of GETs are retried with exponential backoff, and everything else becomes a
`ProviderError` read from Pax8's error envelope `{type, message, instance, status, details[]}`.
`iter_pages()` walks Pax8's page paging (`page` 0-based, `size` <= 200, the answer's
`{content: [...], page: {size, totalElements, totalPages, number}}`). The sleep is injectable.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from seatline import clock
from seatline.connectors.errors import (
    ProviderBadResponseError,
    ProviderError,
    ProviderInvalidRequestError,
    ProviderUnavailableError,
    error_for_provider_code,
)

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.pax8.com/v1"
MAX_PAGE_SIZE = 200
RETRYABLE_SERVER_STATUSES = frozenset({500, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE"})


class TokenSource(Protocol):
    def get_token(self, *, force_refresh: bool = False) -> str: ...


def loads(content: bytes) -> Any:
    """JSON with every fractional number as Decimal; ValueError for anything else."""
    return json.loads(content.decode("utf-8-sig"), parse_float=Decimal)


def excerpt(content: bytes, limit: int = 120) -> str:
    return repr(content[:limit])[2:-1] + ("..." if len(content) > limit else "")


def retry_after_seconds(value: str | None) -> float | None:
    """`Retry-After` as seconds: delta-seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - clock.now()).total_seconds())


def error_from_response(
    status: int, content: bytes, *, path: str = "", retry_after: float | None = None
) -> ProviderError:
    """The `ProviderError` for a Pax8 error answer (its envelope's message and details kept verbatim)."""
    try:
        body = loads(content) if content.strip() else None
    except ValueError:
        body = None
    message = ""
    name = None
    if isinstance(body, dict):
        message = str(body.get("message") or body.get("error_description") or "")
        name = str(body.get("type") or body.get("error") or "") or None
        details = body.get("details")
        if isinstance(details, list):
            texts = [str(d.get("message")) for d in details if isinstance(d, dict) and d.get("message")]
            if texts:
                message = f"{message} ({'; '.join(texts)})" if message else "; ".join(texts)
    elif content:
        message = content.decode("utf-8", "replace")[:500]
    if status == 422:  # Pax8's validation failures
        return ProviderInvalidRequestError(
            "Pax8 rejected the request as invalid",
            provider_message=message or None,
            provider_name=name,
            http_status=status,
            request_id=path or None,
        )
    return error_for_provider_code(
        http_status=status,
        provider_code=None,
        provider_message=message or None,
        provider_name=name,
        retry_after=retry_after,
        request_id=path or None,
    )


class Pax8Client:
    """Authenticated, retrying, error-mapping client for the Pax8 partner endpoints."""

    def __init__(
        self,
        *,
        token_provider: TokenSource,
        base_url: str = DEFAULT_BASE_URL,
        http: httpx.Client | None = None,
        timeout: float = 30.0,
        max_attempts: int = 4,
        max_retry_sleep: float = 60.0,
        backoff_base: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        page_size: int = MAX_PAGE_SIZE,
        max_pages: int = 100_000,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
        self.base_url = base_url.rstrip("/")
        self.token_provider = token_provider
        self._owns_http = http is None
        self._http = http or httpx.Client(timeout=timeout)
        self.max_attempts = max_attempts
        self.max_retry_sleep = max_retry_sleep
        self.backoff_base = backoff_base
        self.sleep = sleep
        self.page_size = page_size
        self.max_pages = max_pages

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def request(
        self, method: str, path: str, *, params: Mapping[str, str | int] | None = None, json_body: Any = None
    ) -> Any:
        """One logical call; the parsed JSON answer (None for an empty body), or a ProviderError."""
        method = method.upper()
        idempotent = method in IDEMPOTENT_METHODS
        url = self.url(path)
        query = {key: str(value) for key, value in (params or {}).items()}
        attempt = 0
        refreshed = False
        force_refresh = False
        while True:
            attempt += 1
            token = self.token_provider.get_token(force_refresh=force_refresh)
            force_refresh = False
            try:
                response = self._http.request(
                    method,
                    url,
                    params=query,
                    json=json_body,
                    headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                )
            except httpx.TransportError as exc:
                if idempotent and attempt < self.max_attempts:
                    self._backoff(attempt, f"{method} {url}: {exc!r}")
                    continue
                raise ProviderUnavailableError(
                    "Pax8 could not be reached", provider_message=repr(exc), retryable=True
                ) from exc
            status = response.status_code
            if status == 401 and not refreshed:
                refreshed = True
                force_refresh = True
                attempt -= 1  # a token refresh does not use up a retry
                log.info("Pax8 401 on %s %s: refreshing the token once", method, url)
                continue
            if status == 429:
                retry_after = retry_after_seconds(response.headers.get("Retry-After"))
                wait = retry_after if retry_after is not None else self._delay(attempt)
                if attempt < self.max_attempts and wait <= self.max_retry_sleep:
                    log.info("Pax8 429 on %s %s: retrying in %ss", method, url, wait)
                    self.sleep(wait)
                    continue
                raise error_from_response(
                    status, response.content, path=urlsplit(url).path, retry_after=retry_after
                )
            if status in RETRYABLE_SERVER_STATUSES and idempotent and attempt < self.max_attempts:
                self._backoff(attempt, f"{method} {url}: HTTP {status}")
                continue
            if 200 <= status < 300:
                if not response.content.strip():
                    return None
                try:
                    return loads(response.content)
                except ValueError:
                    raise ProviderBadResponseError(
                        f"Pax8's answer to {method} {urlsplit(url).path} is not JSON: "
                        f"{excerpt(response.content)!r}",
                        body_excerpt=excerpt(response.content),
                        http_status=status,
                    ) from None
            raise error_from_response(status, response.content, path=urlsplit(url).path)

    def get_object(self, path: str, *, params: Mapping[str, str | int] | None = None) -> dict[str, Any]:
        data = self.request("GET", path, params=params)
        if not isinstance(data, dict):
            raise ProviderBadResponseError(f"Pax8's answer to GET {path} is not a JSON object")
        return data

    def iter_pages(
        self, path: str, *, params: Mapping[str, str | int] | None = None, size: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every object of a paged collection, fetching the next page only when needed.

        Stops after the page numbered `totalPages - 1` (an empty page also ends the list); an
        answer without a `content` list, or whose `page.number` is not the page asked for, raises
        `ProviderBadResponseError`: a list is never read as shorter than it is.
        """
        size = min(size or self.page_size, MAX_PAGE_SIZE)
        number = 0
        while True:
            body = self.get_object(path, params={**(params or {}), "page": number, "size": size})
            content = body.get("content")
            page = body.get("page")
            if not isinstance(content, list) or not isinstance(page, dict):
                raise ProviderBadResponseError(f"Pax8's page {number} of {path} has no content list or page")
            try:
                answered = int(page.get("number", number))
                total_pages = int(page.get("totalPages", 0))
            except (TypeError, ValueError, ArithmeticError):
                raise ProviderBadResponseError(
                    f"Pax8's page {number} of {path} has an unreadable page"
                ) from None
            if answered != number:
                raise ProviderBadResponseError(
                    f"Pax8 answered page {answered} of {path} when asked for {number}"
                )
            for index, item in enumerate(content):
                if not isinstance(item, dict):
                    raise ProviderBadResponseError(
                        f"Pax8's page {number} of {path}: item {index} is not an object"
                    )
                yield item
            number += 1
            if not content or number >= total_pages:
                return
            if number >= self.max_pages:
                raise ProviderError(f"more than {self.max_pages} pages of {path}; stopping")

    def _delay(self, attempt: int) -> float:
        return float(min(self.backoff_base * 2.0 ** (attempt - 1), self.max_retry_sleep))

    def _backoff(self, attempt: int, why: str) -> None:
        delay = self._delay(attempt)
        log.info("Pax8 retry %s after %ss (%s)", attempt, delay, why)
        self.sleep(delay)
