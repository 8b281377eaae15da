# SPDX-License-Identifier: AGPL-3.0-or-later
"""The Manual Provider Reminder e-mail: every LCL still awaiting provisioning at a manual provider."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import send_mail

from seatline.audit.services import record
from seatline.common.choices import ProvisioningStatus
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


def reminder_text(provider: Provider, changes: list[LicenseChangeLog]) -> str:
    lines = [
        f"{len(changes)} license change(s) are awaiting provisioning at {provider}.",
        "Make each change in the vendor's portal, then mark it provisioned in Seatline "
        "(License change logs > Mark provisioned).",
        "",
    ]
    for change in changes:
        subscription = change.subscription
        lines.append(
            f"- #{change.pk} {subscription.account.name} / {subscription.name}: {change.get_kind_display()} "
            f"{change.delta:+d} -> quantity {change.quantity_after}, effective {change.effective_date.isoformat()}"
            + (
                f" (provider subscription {subscription.provider_subscription_id})"
                if subscription.provider_subscription_id
                else ""
            )
        )
    return "\n".join(lines) + "\n"


def send_reminder(provider_id: int) -> dict[str, Any]:
    provider = Provider.objects.filter(pk=provider_id).first()
    if provider is None or provider.type != Provider.Type.MANUAL:
        raise NothingToRemind(f"provider {provider_id} is not a manual provider")
    changes = awaiting_changes(provider)
    if not changes:
        raise NothingToRemind(f"no change log awaits provisioning at {provider}")
    if not provider.reminder_email:
        raise NoRecipient(f"{provider} has no reminder e-mail address")
    subject = f"Seatline: {len(changes)} license change(s) awaiting provisioning at {provider}"
    send_mail(
        subject,
        reminder_text(provider, changes),
        getattr(settings, "DEFAULT_FROM_EMAIL", None),
        [provider.reminder_email],
    )
    record(provider, "provisioning_reminder_sent", message=f"{subject} -> {provider.reminder_email}")
    return {"to": provider.reminder_email, "change_logs": [change.pk for change in changes]}
