# SPDX-License-Identifier: AGPL-3.0-or-later
"""Secrets at rest: Fernet round trip, rotation, the data migration, masking, key configuration."""

from __future__ import annotations

import importlib
import io
import types

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from seatline import clock, conf
from seatline.common import crypto
from seatline.connectors.payments import ProcessorKind
from seatline.payments.models import PaymentProcessor
from seatline.providers.models import Provider, ProviderCredential

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture(autouse=True)
def _keys(settings):
    settings.FERNET_KEYS = [OLD]


def _raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def _processor() -> PaymentProcessor:
    return PaymentProcessor.objects.create(
        kind=PaymentProcessor.Kind.STRIPE,
        name="Stripe",
        api_key="sk_test_verysecret123",
        webhook_secret="whsec_abc9876",
    )


@pytest.mark.django_db
def test_round_trip_and_no_plaintext_in_the_database():
    processor = _processor()
    raw = _raw("payments_paymentprocessor", "api_key", processor.pk)
    assert (raw.startswith("gAAAAA"), "verysecret" in raw, crypto.decrypt(raw)) == (
        True,
        False,
        "sk_test_verysecret123",
    )
    loaded = PaymentProcessor.objects.get(pk=processor.pk)
    config = loaded.connector_config()
    assert (loaded.api_key, loaded.webhook_secret, config.kind, config.api_key) == (
        "sk_test_verysecret123",
        "whsec_abc9876",
        ProcessorKind.STRIPE,
        "sk_test_verysecret123",
    )
    assert "verysecret" not in repr(loaded) + repr(config) + str(loaded)
    assert (crypto.mask(loaded.api_key), crypto.mask("short")) == ("••••••••t123", "••••••••")


@pytest.mark.django_db
def test_rotation_reencrypts_with_the_newest_key(settings):
    processor = _processor()
    before = _raw("payments_paymentprocessor", "api_key", processor.pk)
    settings.FERNET_KEYS = [NEW, OLD]
    out = io.StringIO()
    call_command("rotate_secrets", stdout=out)
    assert out.getvalue() == "2 secrets re-encrypted with the newest key\n"
    after = _raw("payments_paymentprocessor", "api_key", processor.pk)
    assert after != before
    assert crypto.decrypt(after, [NEW]) == "sk_test_verysecret123"
    with pytest.raises(crypto.SecretDecryptionError):
        crypto.decrypt(after, [OLD])
    settings.FERNET_KEYS = [NEW]
    assert PaymentProcessor.objects.get(pk=processor.pk).webhook_secret == "whsec_abc9876"


@pytest.mark.django_db
def test_data_migration_encrypts_plaintext_refresh_tokens():
    provider = Provider.objects.create(
        name="Partner Center", type=Provider.Type.AUTOMATIC, connector="partner_center"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO providers_providercredential (provider_id, key, refresh_token, updated_at) VALUES (%s, %s, %s, %s)",
            [provider.pk, "partner_center:tenant", "plain-refresh-token", clock.now()],
        )
    pk = ProviderCredential.objects.values_list("pk", flat=True).get()
    migration = importlib.import_module("seatline.providers.migrations.0005_encrypted_secrets")
    editor = types.SimpleNamespace(connection=connection)  # the function only uses the editor's connection
    migration.encrypt_existing(None, editor)
    migration.encrypt_existing(None, editor)  # a second run leaves encrypted rows alone
    raw = _raw("providers_providercredential", "refresh_token", pk)
    assert (crypto.is_token(raw), crypto.decrypt(raw)) == (True, "plain-refresh-token")
    assert ProviderCredential.objects.get(pk=pk).refresh_token == "plain-refresh-token"


def test_keys_from_the_environment_or_a_generated_file(tmp_path):
    assert conf.fernet_keys({"SEATLINE_FERNET_KEYS": f" {NEW}, {OLD} "}, tmp_path) == [NEW, OLD]
    first = conf.fernet_keys({}, tmp_path)
    assert (
        conf.fernet_keys({}, tmp_path),
        len(first),
        oct((tmp_path / "fernet_keys").stat().st_mode & 0o777),
    ) == (
        first,
        1,
        "0o600",
    )
    assert crypto.decrypt(crypto.encrypt("x", first), first) == "x"


@pytest.mark.django_db
def test_admin_never_shows_the_secret(admin_client):
    processor = _processor()
    page = admin_client.get(f"/admin/payments/paymentprocessor/{processor.pk}/change/")
    listing = admin_client.get("/admin/payments/paymentprocessor/")
    assert (page.status_code, listing.status_code) == (200, 200)
    assert "verysecret" not in page.content.decode() + listing.content.decode()
    assert "••••••••t123" in listing.content.decode()
