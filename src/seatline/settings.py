# SPDX-License-Identifier: AGPL-3.0-or-later
"""Django settings. Everything that varies comes from the environment (see conf.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from seatline import conf

ENV = os.environ
DATA_DIR = conf.data_dir(ENV)
DEBUG = conf.env_bool(ENV, "DEBUG", False)
SECRET_KEY = conf.secret_key(ENV, DATA_DIR)
ALLOWED_HOSTS = conf.allowed_hosts(ENV)
TIME_ZONE = conf.time_zone(ENV)
USE_TZ = True
USE_I18N = True
LANGUAGE_CODE = "en-us"
# Document and e-mail texts: Seatline's catalogs (seatline/locale) for these languages.
LANGUAGES = [
    ("en", "English"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("nl", "Nederlands"),
    ("es", "Español"),
]
LOCALE_PATHS = [Path(__file__).resolve().parent / "locale"]

DATABASES = {"default": conf.database_config(ENV, DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "unfold",
    "unfold.contrib.filters",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "seatline.audit",
    "seatline.configuration",
    "seatline.customers",
    "seatline.taxes",
    "seatline.catalog",
    "seatline.providers",
    "seatline.contracts",
    "seatline.subscriptions",
    "seatline.invoicing",
    "seatline.payments",
    "seatline.jobs",
    "seatline.notifications",
    "seatline.documents",
    "seatline.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "seatline.audit.middleware.AuditActorMiddleware",
]

ROOT_URLCONF = "seatline.urls"
WSGI_APPLICATION = "seatline.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).resolve().parent / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# Documents (invoice PDFs) and uploads: a folder of the data directory, or an S3 bucket (conf.py).
STORAGES = conf.storages_config(ENV, DATA_DIR)

EMAIL_BACKEND = ENV.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = ENV.get("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = conf.env_int(ENV, "EMAIL_PORT", 25)
EMAIL_HOST_USER = ENV.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = ENV.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = conf.env_bool(ENV, "EMAIL_USE_TLS", False)
EMAIL_USE_SSL = conf.env_bool(ENV, "EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = conf.env_int(ENV, "EMAIL_TIMEOUT", 30)  # seconds; a hung SMTP server fails the try
DEFAULT_FROM_EMAIL = ENV.get("DEFAULT_FROM_EMAIL", "billing@seatline.invalid")
# Where `seatline simulate --outbox` style recording backends write (.eml files).
SEATLINE_EMAIL_RECORD_DIR = ENV.get("SEATLINE_EMAIL_RECORD_DIR", "")

# Background jobs: "embedded" (seatline worker) or "celery".
SEATLINE_EXECUTOR = ENV.get("SEATLINE_EXECUTOR", "embedded")
CELERY_BROKER_URL = ENV.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")

UNFOLD = {
    "SITE_TITLE": "Seatline",
    "SITE_HEADER": "Seatline back office",
    "SITE_SYMBOL": "receipt_long",
    "SHOW_HISTORY": True,
    "SHOW_VIEW_ON_SITE": False,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler", "stream": sys.stderr}},
    "loggers": {"seatline": {"handlers": ["console"], "level": ENV.get("SEATLINE_LOG_LEVEL", "INFO")}},
}
