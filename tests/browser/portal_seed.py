# SPDX-License-Identifier: AGPL-3.0-or-later
"""Extra seed for the portal's browser test, on top of tests/web/live_tenant.py:

    SEATLINE_DATA_DIR=/tmp/x python -m tests.browser.portal_seed

a back-office superuser with a password, Contoso's "Microsoft 365 E3" at an automatic provider
with synced NCE data (the first 10 seats past their 7-day window, 2 later seats still reducible),
and a pending agreement. Prints JSON ({"username", "password", "subscription_id"}).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys

PASSWORD = "back office pass 1"


def seed() -> dict[str, object]:
    from django.contrib.auth.models import User

    from seatline import clock
    from seatline.customers.models import Account
    from seatline.providers.models import Agreement, AgreementTemplate, Provider
    from seatline.subscriptions.models import Subscription

    User.objects.create_superuser("boss", "boss@partner.test", PASSWORD)
    provider = Provider.objects.create(name="Partner Center", type="automatic", connector="partner_center")
    contoso = Account.objects.get(name="Contoso")
    subscription = Subscription.objects.get(account=contoso, name="Microsoft 365 E3")
    now = clock.now()
    subscription.provider = provider
    subscription.cancellation_allowed_until = now - dt.timedelta(days=20)
    subscription.refundable_lots = [
        {"quantity": 10, "allowed_until": (now - dt.timedelta(days=20)).isoformat()},
        {"quantity": 2, "allowed_until": (now + dt.timedelta(days=5)).isoformat()},
    ]
    subscription.save()
    template = AgreementTemplate.objects.create(
        name="Partner terms of service", link="https://partner.invalid/terms"
    )
    Agreement.objects.create(account=contoso, template=template)
    return {"username": "boss", "password": PASSWORD, "subscription_id": subscription.pk}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seatline.settings")
    import django

    django.setup()
    json.dump(seed(), sys.stdout)


if __name__ == "__main__":
    main()
