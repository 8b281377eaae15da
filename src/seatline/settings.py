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
FERNET_KEYS = conf.fernet_keys(ENV, DATA_DIR)  # secrets at rest (seatline.common.crypto), newest first
SEATLINE_PUBLIC_URL = ENV.get("SEATLINE_PUBLIC_URL", "")  # absolute base of public links (PayNow in e-mails)
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
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # In layer order (AGENTS.md): an app's admin may extend the admin of an app listed before it.
    "seatline.audit",
    "seatline.configuration",
    "seatline.jobs",
    "seatline.customers",
    "seatline.taxes",
    "seatline.catalog",
    "seatline.contracts",
    "seatline.subscriptions",
    "seatline.invoicing",
    "seatline.notifications",
    "seatline.documents",
    "seatline.providers",
    "seatline.payments",
    "seatline.provider_invoices",
    "seatline.reconciliation",
    "seatline.api",
    "seatline.webhooks",
    "seatline.portal",
    "seatline.dashboards",
    "seatline.paynow",
    "seatline.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "seatline.audit.middleware.AuditActorMiddleware",
]

# Portal users (seatline.portal) read their own account through the API too (view permissions).
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "seatline.portal.backends.PortalPermissionBackend",
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
STATIC_ROOT = conf.ensure_dir(DATA_DIR / "static")  # filled by collectstatic (`seatline serve`)
# Documents (invoice PDFs) and uploads: a folder of the data directory, or an S3 bucket; static
# files hashed and compressed, served by WhiteNoise (collected by `seatline serve` at start) (conf.py).
STORAGES = conf.storages_config(ENV, DATA_DIR)
WHITENOISE_USE_FINDERS = DEBUG

# Production hardening. SEATLINE_HTTPS (default: on unless DEBUG) says the site is reached over
# HTTPS: cookies are Secure and browsers are told to keep to HTTPS (HSTS). `seatline demo`
# serves plain HTTP on the loopback and turns it off. Redirecting HTTP to HTTPS and trusting a
# proxy's X-Forwarded-Proto are opt-in (the reverse proxy usually redirects itself).
HTTPS = conf.env_bool(ENV, "SEATLINE_HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = conf.env_int(ENV, "SECURE_HSTS_SECONDS", 31_536_000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = conf.env_bool(ENV, "SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = conf.env_bool(ENV, "SECURE_HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = conf.env_bool(ENV, "SECURE_SSL_REDIRECT", False)
SECURE_PROXY_SSL_HEADER = conf.proxy_ssl_header(ENV)
CSRF_TRUSTED_ORIGINS = conf.csrf_trusted_origins(ENV)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CACHES = conf.cache_config(ENV)

EMAIL_BACKEND = ENV.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = ENV.get("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = conf.env_int(ENV, "EMAIL_PORT", 25)
EMAIL_HOST_USER = ENV.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = ENV.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = conf.env_bool(ENV, "EMAIL_USE_TLS", False)
EMAIL_USE_SSL = conf.env_bool(ENV, "EMAIL_USE_SSL", False)
EMAIL_FILE_PATH = ENV.get("EMAIL_FILE_PATH", str(DATA_DIR / "sent-email"))  # the file backend (demo)
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
    "DASHBOARD_CALLBACK": "seatline.dashboards.views.dashboard_callback",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler", "stream": sys.stderr}},
    "loggers": {"seatline": {"handlers": ["console"], "level": ENV.get("SEATLINE_LOG_LEVEL", "INFO")}},
}

# REST API (seatline.api): tokens or session, role permissions, problem details, cursor pages.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "seatline.api.authentication.TokenAuthentication",
        "seatline.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["seatline.api.permissions.RolePermission"],
    "DEFAULT_THROTTLE_CLASSES": [
        "seatline.api.throttling.TokenRateThrottle",
        "seatline.api.throttling.AnonymousRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "api": ENV.get("SEATLINE_API_RATE", "1200/minute"),
        "api_anonymous": ENV.get("SEATLINE_API_ANONYMOUS_RATE", "60/minute"),
    },
    "DEFAULT_PAGINATION_CLASS": "seatline.api.pagination.CursorPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "seatline.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "seatline.api.problems.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
    "DATE_FORMAT": "iso-8601",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Seatline API",
    "DESCRIPTION": (
        "Accounts, contracts, subscriptions, invoices, payments and jobs of a Seatline tenant. "
        "Authenticate with `Authorization: Bearer <token>` (tokens are created in the back office). "
        "Errors are RFC 9457 problem details (`application/problem+json`) with Seatline's stable "
        "`code` and the `field`. Every POST accepts an `Idempotency-Key` header."
    ),
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "SalesUnitEnum": "seatline.common.choices.SalesUnit",
        "ReductionBehaviourEnum": "seatline.common.choices.ReductionBehaviour",
        "ProvisioningStatusEnum": "seatline.common.choices.ProvisioningStatus",
        "SubscriptionKindEnum": "seatline.subscriptions.models.Subscription.Kind",
        "SubscriptionStatusEnum": "seatline.subscriptions.models.Subscription.Status",
        "ChangeKindEnum": "seatline.subscriptions.models.LicenseChangeLog.Kind",
        "ChangeStatusEnum": "seatline.subscriptions.models.LicenseChangeLog.Status",
        "ScheduledChangeStatusEnum": "seatline.subscriptions.models.ScheduledLicenseChangeLog.Status",
        "ProductKindEnum": "seatline.catalog.models.Product.Kind",
        "InvoiceKindEnum": "seatline.invoicing.models.InvoiceKind",
        "InvoiceStatusEnum": "seatline.invoicing.models.InvoiceStatus",
        "InvoiceLineTypeEnum": "seatline.invoicing.models.InvoiceLine.Type",
        "ContractStatusEnum": "seatline.contracts.models.BillingContract.Status",
        "ContractTypeEnum": "seatline.contracts.models.ContractType",
        "ChangeLogInvoicesEnum": "seatline.contracts.models.ChangeLogInvoices",
        "RunTypeEnum": "seatline.contracts.models.BillingSchedule.RunType",
        "ScheduleStatusEnum": "seatline.contracts.models.BillingSchedule.Status",
        "JobStatusEnum": "seatline.jobs.models.JobStatus",
        "ContactRoleEnum": "seatline.customers.models.Contact.Role",
        "PaymentProcessorEnum": "seatline.payments.models.Payment.Processor",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "seatline.api.schema.add_links",
    ],
}
