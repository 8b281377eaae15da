# SPDX-License-Identifier: AGPL-3.0-or-later
"""Settings derived from the environment, as pure functions so they can be tested.

Every setting has a sane default: with no environment at all Seatline runs on a SQLite file
in its data directory, with a secret key generated and stored there on first use.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dj_database_url

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


class ConfigurationError(ValueError):
    """An environment variable holds a value Seatline cannot use."""


def env_bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigurationError(f"{name}: expected true or false, got {raw!r}")


def data_dir(env: Mapping[str, str]) -> Path:
    """The directory holding the SQLite database, the secret key and simulator state."""
    raw = env.get("SEATLINE_DATA_DIR")
    if raw:
        return Path(raw).expanduser().resolve()
    xdg = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "seatline"


def ensure_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_config(env: Mapping[str, str], directory: Path) -> dict:
    url = env.get("DATABASE_URL")
    if not url:
        ensure_dir(directory)
        url = f"sqlite:///{directory / 'seatline.sqlite3'}"
    config = dj_database_url.parse(url, conn_max_age=0)
    engine = config["ENGINE"]
    if engine.endswith("sqlite3"):
        # WAL and a busy timeout let the worker and the web server share the file.
        config.setdefault("OPTIONS", {})
        config["OPTIONS"].update(
            {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            }
        )
    elif "postgresql" not in engine:
        raise ConfigurationError(f"DATABASE_URL: unsupported database engine {engine!r}")
    return config


def secret_key(env: Mapping[str, str], directory: Path) -> str:
    """SECRET_KEY from the environment, else the one stored in the data directory (made once)."""
    key = env.get("SECRET_KEY")
    if key:
        return key
    path = directory / "secret_key"
    if path.exists():
        return path.read_text().strip()
    ensure_dir(directory)
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def time_zone(env: Mapping[str, str]) -> str:
    name = env.get("TIME_ZONE", "UTC") or "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigurationError(f"TIME_ZONE: unknown time zone {name!r}") from exc
    return name


def allowed_hosts(env: Mapping[str, str]) -> list[str]:
    raw = env.get("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
    return [host.strip() for host in raw.split(",") if host.strip()]


FILESYSTEM_STORAGE = "django.core.files.storage.FileSystemStorage"
S3_STORAGE = "storages.backends.s3.S3Storage"
# Hashed, compressed static files served by WhiteNoise (collected by `seatline serve` at start).
STATIC_STORAGE = "seatline.staticfiles.SeatlineStaticFilesStorage"


def storages_config(env: Mapping[str, str], directory: Path) -> dict[str, dict]:
    """Django's STORAGES: where documents (invoice PDFs) and uploads (the letterhead logo) live.

    By default a folder of the data directory (``SEATLINE_FILES_DIR``, default
    ``$SEATLINE_DATA_DIR/files``). With ``SEATLINE_S3_BUCKET`` set, an S3-compatible bucket through
    django-storages (install the ``s3`` extra): ``SEATLINE_S3_ENDPOINT_URL`` (MinIO, Ceph, other
    clouds), ``SEATLINE_S3_REGION``, ``SEATLINE_S3_PREFIX`` (a folder in the bucket),
    ``SEATLINE_S3_ACCESS_KEY_ID`` / ``SEATLINE_S3_SECRET_ACCESS_KEY`` (else boto3's own chain:
    ``AWS_ACCESS_KEY_ID``, instance roles, ...). Objects are private; links to them are signed.
    """
    bucket = (env.get("SEATLINE_S3_BUCKET") or "").strip()
    if bucket:
        options: dict[str, object] = {
            "bucket_name": bucket,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        }
        for variable, option in (
            ("SEATLINE_S3_ENDPOINT_URL", "endpoint_url"),
            ("SEATLINE_S3_REGION", "region_name"),
            ("SEATLINE_S3_PREFIX", "location"),
            ("SEATLINE_S3_ACCESS_KEY_ID", "access_key"),
            ("SEATLINE_S3_SECRET_ACCESS_KEY", "secret_key"),
        ):
            value = (env.get(variable) or "").strip()
            if value:
                options[option] = value
        default: dict = {"BACKEND": S3_STORAGE, "OPTIONS": options}
    else:
        raw = env.get("SEATLINE_FILES_DIR")
        location = Path(raw).expanduser().resolve() if raw else directory / "files"
        default = {"BACKEND": FILESYSTEM_STORAGE, "OPTIONS": {"location": str(location)}}
    return {"default": default, "staticfiles": {"BACKEND": STATIC_STORAGE}}


def fernet_keys(env: Mapping[str, str], directory: Path) -> list[str]:
    """Keys that encrypt secrets at rest, newest first.

    `SEATLINE_FERNET_KEYS` (comma-separated Fernet keys, newest first) wins; else the key file
    `fernet_keys` in the data directory (one key per line, newest first), made on first use.
    """
    raw = env.get("SEATLINE_FERNET_KEYS", "")
    if raw.strip():
        return [key.strip() for key in raw.split(",") if key.strip()]
    path = directory / "fernet_keys"
    if path.exists():
        return [line.strip() for line in path.read_text().splitlines() if line.strip()]
    from cryptography.fernet import Fernet

    ensure_dir(directory)
    key = Fernet.generate_key().decode("ascii")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return [key]


def env_list(env: Mapping[str, str], name: str) -> list[str]:
    """A comma-separated list (blank entries dropped)."""
    return [item.strip() for item in env.get(name, "").split(",") if item.strip()]


def env_int(env: Mapping[str, str], name: str, default: int, *, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name}: expected a whole number, got {raw!r}") from exc
    if value < minimum:
        raise ConfigurationError(f"{name}: must be at least {minimum}, got {value}")
    return value


def csrf_trusted_origins(env: Mapping[str, str]) -> list[str]:
    """CSRF_TRUSTED_ORIGINS: full origins with their scheme (https://billing.example.com)."""
    origins = env_list(env, "CSRF_TRUSTED_ORIGINS")
    for origin in origins:
        if "://" not in origin:
            raise ConfigurationError(
                f"CSRF_TRUSTED_ORIGINS: {origin!r} needs its scheme, e.g. https://{origin}"
            )
    return origins


def proxy_ssl_header(env: Mapping[str, str]) -> tuple[str, str] | None:
    """SECURE_PROXY_SSL_HEADER: the header a TLS-terminating proxy sets (opt-in).

    `X-Forwarded-Proto` (the usual one) means "the request came over HTTPS when the proxy sends
    X-Forwarded-Proto: https"; `Header-Name:value` names another value. Only set it behind a
    proxy that overwrites the header: otherwise a client could claim HTTPS.
    """
    raw = env.get("SECURE_PROXY_SSL_HEADER", "").strip()
    if not raw:
        return None
    name, _, value = raw.partition(":")
    name, value = name.strip(), (value.strip() or "https")
    if not name or not all(c.isalnum() or c == "-" for c in name):
        raise ConfigurationError(f"SECURE_PROXY_SSL_HEADER: {raw!r} is not a header name")
    return ("HTTP_" + name.upper().replace("-", "_"), value)


def cache_config(env: Mapping[str, str]) -> dict:
    """CACHE_URL: redis://... for a cache shared by every web process (API throttling counts);
    default: memory of each process."""
    url = env.get("CACHE_URL", "").strip()
    if not url:
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    if url.startswith(("redis://", "rediss://", "unix://")):
        return {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    raise ConfigurationError(f"CACHE_URL: only redis:// URLs are supported, got {url!r}")
