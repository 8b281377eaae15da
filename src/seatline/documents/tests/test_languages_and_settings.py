# SPDX-License-Identifier: AGPL-3.0-or-later
"""Account languages, locale formatting, the translation catalogs, file storage settings and the
outbox clean-up of jobs left by earlier versions."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from seatline import clock, conf
from seatline.common.languages import normalize_language_tag, text_language
from seatline.contracts.models import BillingContract
from seatline.customers.models import Account
from seatline.documents import catalogs
from seatline.documents.formatting import Formatter
from seatline.jobs.models import Job, JobStatus

D = dt.date


@pytest.mark.parametrize(
    ("tag", "money", "unit", "quantity", "date", "percent"),
    [
        ("en-US", "$1,234.56", "$12.3456", "10", "Jan 31, 2024", "19%"),
        ("de-DE", "1.234,56\xa0$", "12,3456\xa0$", "10", "31.01.2024", "19\xa0%"),
        ("fr-FR", "1\u202f234,56\xa0$US", "12,3456\xa0$US", "10", "31 janv. 2024", "19\xa0%"),
        ("nl-NL", "US$\xa01.234,56", "US$\xa012,3456", "10", "31 jan 2024", "19%"),
        ("es-ES", "1.234,56\xa0US$", "12,3456\xa0US$", "10", "31 ene 2024", "19\xa0%"),
    ],
)
def test_money_dates_and_numbers_follow_the_locale(tag, money, unit, quantity, date, percent):
    fmt = Formatter(tag)
    assert fmt.money(Decimal("1234.56"), "USD") == money
    assert fmt.unit_price(Decimal("12.3456"), "USD") == unit
    assert fmt.quantity(Decimal("10.0000")) == quantity
    assert fmt.date(D(2024, 1, 31)) == date
    assert fmt.percent(Decimal("19.0000")) == percent


def test_currency_digits_decide_rounding_and_unit_prices_keep_up_to_four_decimals():
    fmt = Formatter("en-US")
    assert fmt.money(Decimal("1234.5"), "JPY") == "¥1,235"  # no minor unit
    assert fmt.money(Decimal("1.2345"), "KWD") == "KWD1.235"  # three
    assert fmt.unit_price(Decimal("12.5000"), "EUR") == "€12.50"
    assert fmt.unit_price(Decimal("1200.0000"), "JPY") == "¥1,200"
    assert fmt.quantity(Decimal("-2.5000")) == "-2.5"
    assert fmt.period(D(2024, 1, 1), D(2024, 1, 31)) == "Jan 1, 2024 – Jan 31, 2024"
    assert Formatter("xx-QQ").money(Decimal(1), "USD") == "$1.00"  # unknown tags fall back to en-US


@pytest.mark.django_db
def test_an_account_language_is_a_bcp47_tag_babel_knows():
    account = Account(name="Fabrikam", language="de-de")
    account.full_clean()
    assert account.language == "de-DE"
    account.language = "klingon"
    with pytest.raises(ValidationError) as refused:
        account.full_clean()
    assert refused.value.message_dict["language"] == [
        "'klingon' is not a language tag Babel knows (BCP 47, e.g. en-US, de-DE)"
    ]
    assert (normalize_language_tag("zh_hant_tw"), text_language("fr-CA"), text_language("it-IT")) == (
        "zh-Hant-TW",
        "fr",
        "en",
    )


@pytest.mark.django_db
def test_auto_send_needs_a_billing_contact():
    account = Account.objects.create(name="Fabrikam")
    contract = BillingContract(
        name="c", account=account, frequency="monthly", start_date=D(2024, 1, 1), auto_send=True
    )
    with pytest.raises(ValidationError) as refused:
        contract.full_clean()
    assert "auto_send" in refused.value.message_dict
    account.contacts.create(first_name="A", last_name="B", email="ap@fabrikam.example", role="billing")
    contract.full_clean()


def test_every_document_and_email_text_is_translated_and_the_compiled_catalogs_are_current():
    assert catalogs.LANGUAGES == ("en", "de", "fr", "nl", "es")
    assert len(catalogs.source_msgids()) >= 70
    for language in catalogs.LANGUAGES:
        assert catalogs.missing(language) == [], language
    assert catalogs.stale() == []


def test_files_go_to_the_data_directory_or_an_s3_bucket(tmp_path: Path):
    local = conf.storages_config({}, tmp_path)
    assert local["default"] == {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "files")},
    }
    moved = conf.storages_config({"SEATLINE_FILES_DIR": str(tmp_path / "docs")}, tmp_path)
    assert moved["default"]["OPTIONS"] == {"location": str(tmp_path / "docs")}
    s3 = conf.storages_config(
        {
            "SEATLINE_S3_BUCKET": "invoices",
            "SEATLINE_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
            "SEATLINE_S3_REGION": "eu-central-1",
            "SEATLINE_S3_PREFIX": "tenant-a",
        },
        tmp_path,
    )
    assert s3["default"] == {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "invoices",
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
            "endpoint_url": "http://127.0.0.1:9000",
            "region_name": "eu-central-1",
            "location": "tenant-a",
        },
    }
    with pytest.raises(conf.ConfigurationError, match="EMAIL_PORT: expected a whole number"):
        conf.env_int({"EMAIL_PORT": "twenty-five"}, "EMAIL_PORT", 25)


@pytest.mark.django_db
def test_the_upgrade_settles_jobs_left_waiting_by_earlier_versions():
    now = clock.now()

    def old(job_type: str, status: str = JobStatus.WAITING, **parameters: object) -> Job:
        return Job.objects.create(
            job_type=job_type, status=status, parameters=parameters, scheduled_for=now, created_at=now
        )

    pdf = old("create_pdf", invoice_id=1, number="INV-000001")
    legacy_email = old("send_email", invoice_id=1, number="INV-000001")
    retrying_email = old("send_email", JobStatus.RETRY, invoice_id=2)
    new_email = old("send_email", email_id=7)
    orphan = old("sync_invoice", invoice_id=1)
    done = old("sync_invoice", JobStatus.SUCCEEDED)
    migration = importlib.import_module("seatline.documents.migrations.0002_outbox_cleanup")
    migration.settle_waiting_jobs(apps, None)
    for job in (pdf, legacy_email, retrying_email, new_email, orphan, done):
        job.refresh_from_db()
    assert (pdf.status, new_email.status, done.status) == (
        JobStatus.WAITING,
        JobStatus.WAITING,
        JobStatus.SUCCEEDED,
    )
    assert legacy_email.status == retrying_email.status == JobStatus.NOT_APPLICABLE
    assert legacy_email.results["reason"].startswith("superseded (documents release)")
    assert orphan.status == JobStatus.NOT_APPLICABLE
    assert orphan.results == {
        "reason": "no handler for job type 'sync_invoice' in this installation when Seatline was upgraded "
        "(migration documents.0002): nothing would run it"
    }
