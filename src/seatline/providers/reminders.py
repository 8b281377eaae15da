# SPDX-License-Identifier: AGPL-3.0-or-later
"""The Manual Provider Reminder e-mail: every LCL still awaiting provisioning at a manual provider.

The e-mail is the "provisioning_reminder" template of the notifications app (editable in the
back office), queued through `seatline.notifications.services.send`.
"""

from __future__ import annotations

from typing import Any

from seatline.audit.services import record
from seatline.common.choices import ProvisioningStatus
from seatline.errors import SeatlineError
from seatline.notifications.services import send
from seatline.providers.models import Provider
from seatline.subscriptions.models import LicenseChangeLog


class NothingToRemind(Exception):
    pass


class NoRecipient(Exception):
    pass


def awaiting_changes(provider: Provider) -> list[LicenseChangeLog]:
    return list(
        LicenseChangeLog.objects.filter(
            subscription__provider=provider, provisioning_status=ProvisioningStatus.AWAITING
        )
        .select_related("subscription", "subscription__account")
        .order_by("effective_date", "id")
    )


def reminder_context(provider: Provider, changes: list[LicenseChangeLog]) -> dict[str, Any]:
    """The variables of the provisioning reminder template (notifications catalog)."""
    return {
        "provider_name": str(provider),
        "change_count": len(changes),
        "changes": [
            {
                "id": change.pk,
                "account": change.subscription.account.name,
                "subscription": change.subscription.name,
                "kind": change.get_kind_display(),
                "delta": f"{change.delta:+d}",
                "quantity": change.quantity_after,
                "effective_date": change.effective_date.isoformat(),
                "provider_subscription_id": change.subscription.provider_subscription_id or "",
            }
            for change in changes
        ],
    }


def send_reminder(provider_id: int) -> dict[str, Any]:
    """Queue the reminder e-mail (template "provisioning_reminder") to the provider's address."""
    provider = Provider.objects.filter(pk=provider_id).first()
    if provider is None or provider.type != Provider.Type.MANUAL:
        raise NothingToRemind(f"provider {provider_id} is not a manual provider")
    changes = awaiting_changes(provider)
    if not changes:
        raise NothingToRemind(f"no change log awaits provisioning at {provider}")
    if not provider.reminder_email:
        raise NoRecipient(f"{provider} has no reminder e-mail address")
    try:
        email = send(
            "provisioning_reminder",
            to=[provider.reminder_email],
            context=reminder_context(provider, changes),
            related=provider,
        )
    except SeatlineError as exc:  # e.g. the template was switched off
        raise NoRecipient(f"the reminder was not sent: [{exc.code}] {exc.message}") from exc
    record(provider, "provisioning_reminder_sent", message=f"{email.subject} -> {', '.join(email.to)}")
    return {"to": email.to, "change_logs": [change.pk for change in changes], "email_id": email.pk}
