# SPDX-License-Identifier: AGPL-3.0-or-later
"""Payment method requests: a single-use, expiring, signed link e-mailed to the customer, who
enters the payment method on the processor's hosted page; the profile stays pending until then.

The link carries `signing.dumps(nonce)`; the nonce names a `ProfileRequest` row. A link whose
signature is wrong, whose request expired, or that was used already opens a page saying so
(`open_request` refuses with `request_invalid`, `request_expired`, `request_used`).
"""

from __future__ import annotations

import datetime as dt
import secrets

from babel.dates import format_date
from django.core import signing
from django.db import transaction

from seatline import clock
from seatline.audit.services import record
from seatline.common.languages import babel_locale
from seatline.configuration.models import Configuration
from seatline.connectors.payments import PaymentMethodKind, SetupRequest, SetupSession
from seatline.customers.models import Account
from seatline.errors import SeatlineError
from seatline.notifications.services import send
from seatline.payments.connections import connector
from seatline.payments.models import PaymentProcessor, PaymentProfile, ProfileRequest
from seatline.payments.profiles import check_processor, complete_profile_setup, customer_token

SALT = "seatline.payments.profile-request"
VALID_FOR = dt.timedelta(days=7)


def link_token(request: ProfileRequest) -> str:
    return signing.dumps(request.nonce, salt=SALT)


def request_payment_method(
    *, account: Account, processor: PaymentProcessor, link_for: object, valid_for: dt.timedelta = VALID_FOR
) -> ProfileRequest:
    """A pending profile and the e-mail with its secure link; `link_for(token) -> absolute URL`."""
    check_processor(account, processor)
    customer = customer_token(account, processor)
    contact = account.contacts.filter(is_primary=True).first() or account.contacts.first()
    with transaction.atomic():
        profile = PaymentProfile.objects.create(account=account, processor=processor, customer_token=customer)
        request = ProfileRequest.objects.create(
            profile=profile, nonce=secrets.token_urlsafe(24), expires_at=clock.now() + valid_for
        )
        locale = babel_locale(account.language)
        send(
            "payment_method_request",
            to_account=account,
            primary_contact=contact,
            related=account,
            context={
                "company_name": Configuration.get().seller_name,
                "account_name": account.name,
                "contact_name": f"{contact.first_name} {contact.last_name}".strip()
                if contact
                else account.name,
                "secure_link": link_for(link_token(request)),  # type: ignore[operator]
                "expires_on": format_date(request.expires_at.date(), "medium", locale=locale),
            },
        )
        record(
            profile,
            "payment_method_requested",
            message=f"link valid until {request.expires_at:%Y-%m-%d %H:%M}",
        )
    return request


def open_request(token: str) -> ProfileRequest:
    """The request a link names, if it can still be used."""
    try:
        nonce = signing.loads(token, salt=SALT)
    except signing.BadSignature as exc:
        raise SeatlineError("request_invalid", "this link is not valid") from exc
    request = (
        ProfileRequest.objects.select_related("profile", "profile__processor").filter(nonce=nonce).first()
    )
    if request is None:
        raise SeatlineError("request_invalid", "this link is not valid")
    if request.used_at is not None or request.profile.status != PaymentProfile.Status.PENDING:
        raise SeatlineError("request_used", "this link was already used")
    if request.expires_at <= clock.now():
        raise SeatlineError("request_expired", "this link has expired: ask for a new one")
    return request


def start_request_setup(*, request: ProfileRequest, return_url: str) -> SetupSession:
    """The processor's hosted page for the request's profile (a new session each time it opens)."""
    profile = request.profile
    session = connector(profile.processor).start_setup(
        SetupRequest(
            customer_id=profile.customer_token,
            return_url=return_url,
            cancel_url=return_url,
            currency=profile.processor.currency,
            kind=PaymentMethodKind.BANK_DEBIT
            if profile.processor.kind == PaymentProcessor.Kind.GOCARDLESS
            else PaymentMethodKind.CARD,
        )
    )
    with transaction.atomic():
        PaymentProfile.objects.filter(pk=profile.pk).update(setup_token=session.id)
    return session


def finish_request(*, request: ProfileRequest) -> PaymentProfile:
    """The customer is back from the hosted page: activate the profile, use up the link."""
    request.profile.refresh_from_db()
    profile = complete_profile_setup(profile=request.profile)
    with transaction.atomic():
        ProfileRequest.objects.filter(pk=request.pk, used_at__isnull=True).update(used_at=clock.now())
    return profile
