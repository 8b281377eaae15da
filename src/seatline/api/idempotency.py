# SPDX-License-Identifier: AGPL-3.0-or-later
"""`Idempotency-Key` on POST: the first response is stored and replayed for the same key and the
same request; the same key with another request is refused (422 `idempotency_key_reused`).

Keys belong to the user (two users may use the same key) and are kept 24 hours. The key row is
written in the same transaction as the request's changes: a request that fails with a server
error leaves no key behind (it may be retried), and two concurrent requests with one key run
one after the other (the second waits for the first's row, then replays its response).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.http.request import RawPostDataException
from rest_framework.request import Request

from seatline import clock
from seatline.api.models import IdempotencyRecord
from seatline.errors import SeatlineError

HEADER = "Idempotency-Key"
RETENTION = dt.timedelta(hours=24)
MAX_KEY_LENGTH = 255
STORED_HEADERS = ("Location",)


class IdempotentReplay(Exception):
    """Carries the stored response of an earlier request with the same key and body."""

    def __init__(self, response: HttpResponse) -> None:
        super().__init__("replay")
        self.response = response


def fingerprint(request: Request) -> str:
    """SHA-256 of the method, path, query and body (JSON compared by value, not by spacing)."""
    try:
        raw = request._request.body  # read before DRF parses: it then parses this copy
    except RawPostDataException:  # a form already streamed by the CSRF check: not JSON anyway (415)
        raw = f"<{request.content_type}:{request.META.get('CONTENT_LENGTH', '')}>".encode()
    try:
        body = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode() if raw else b""
    except ValueError:
        body = raw
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.get_full_path().encode(), body):
        digest.update(part)
        digest.update(b"\0")
    return digest.hexdigest()


def _check_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH or not all(33 <= ord(c) <= 126 for c in key):
        raise SeatlineError(
            "invalid_idempotency_key",
            f"an Idempotency-Key is 1 to {MAX_KEY_LENGTH} visible ASCII characters",
            field=HEADER,
        )
    return key


def _replay(record: IdempotencyRecord) -> HttpResponse:
    headers = dict(record.response_headers or {})
    content_type = headers.pop("Content-Type", "application/json")
    response = HttpResponse(record.response_body, status=record.status_code, content_type=content_type)
    for name, value in headers.items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response


def _existing(user_id: int, key: str, fp: str) -> IdempotencyRecord | None:
    """The live record of this key, after checking it matches; raises for a replay or a conflict."""
    record = IdempotencyRecord.objects.select_for_update().filter(user_id=user_id, key=key).first()
    if record is None:
        return None
    if record.created_at <= clock.now() - RETENTION:
        record.delete()
        return None
    if record.fingerprint != fp:
        raise SeatlineError(
            "idempotency_key_reused",
            f"the Idempotency-Key {key!r} was used for another request ({record.method} {record.path}) "
            "in the last 24 hours; use a new key for a new request",
            field=HEADER,
        )
    if record.status_code is None:
        raise SeatlineError(
            "idempotency_key_in_use",
            f"a request with the Idempotency-Key {key!r} is in progress",
            field=HEADER,
        )
    raise IdempotentReplay(_replay(record))


def claim(request: Request, key: str) -> IdempotencyRecord:
    """Reserve `key` for this request (inside the request's transaction), or raise: a replay
    (IdempotentReplay) or a refusal (SeatlineError)."""
    _check_key(key)
    user_id = request.user.pk
    fp = fingerprint(request)
    if _existing(user_id, key, fp) is None:
        now = clock.now()
        IdempotencyRecord.objects.filter(user_id=user_id, created_at__lte=now - RETENTION).delete()
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(
                    user_id=user_id,
                    key=key,
                    fingerprint=fp,
                    method=request.method,
                    path=request.get_full_path()[:500],
                    created_at=now,
                )
        except IntegrityError:  # a concurrent request with the same key committed first
            pass
    _existing(user_id, key, fp)
    raise SeatlineError("idempotency_key_in_use", f"the Idempotency-Key {key!r} is in use", field=HEADER)


def store(record: IdempotencyRecord, response: Any) -> None:
    """Keep the (rendered) response for replays."""
    if hasattr(response, "render") and not getattr(response, "is_rendered", True):
        response.render()
    headers = {name: response[name] for name in STORED_HEADERS if response.has_header(name)}
    headers["Content-Type"] = response.get("Content-Type", "application/json")
    record.status_code = response.status_code
    record.response_body = response.content.decode("utf-8", errors="replace")
    record.response_headers = headers
    record.save(update_fields=["status_code", "response_body", "response_headers"])
