# SPDX-License-Identifier: AGPL-3.0-or-later
import pytest


@pytest.fixture(autouse=True)
def _tenant_defaults(settings):
    """Tests send e-mail to Django's in-memory outbox unless they start a real SMTP server."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _fresh_tenant_time_zone():
    """Each test reads the tenant time zone afresh (a rolled-back test may have changed it)."""
    from seatline.configuration.tenant import forget

    forget()
    yield
    forget()
