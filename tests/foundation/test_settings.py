# SPDX-License-Identifier: AGPL-3.0-or-later
"""Settings come from the environment with sane defaults (conf.py is pure and testable)."""

from __future__ import annotations

from pathlib import Path

import pytest

from seatline import conf


def test_default_database_is_a_sqlite_file_in_the_data_directory(tmp_path: Path) -> None:
    directory = tmp_path / "data"
    config = conf.database_config({}, directory)
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == str(directory / "seatline.sqlite3")
    assert directory.is_dir()  # created on first use


def test_database_url_selects_postgresql(tmp_path: Path) -> None:
    config = conf.database_config({"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/seatline"}, tmp_path)
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["NAME"] == "seatline"
    assert config["HOST"] == "127.0.0.1"


def test_unsupported_database_is_refused(tmp_path: Path) -> None:
    with pytest.raises(conf.ConfigurationError, match="DATABASE_URL"):
        conf.database_config({"DATABASE_URL": "mysql://root@localhost/x"}, tmp_path)


def test_secret_key_is_generated_once_and_stored(tmp_path: Path) -> None:
    first = conf.secret_key({}, tmp_path)
    second = conf.secret_key({}, tmp_path)
    assert first == second
    assert len(first) >= 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_secret_key_from_environment_wins(tmp_path: Path) -> None:
    assert conf.secret_key({"SECRET_KEY": "from-env"}, tmp_path) == "from-env"
    assert not (tmp_path / "secret_key").exists()


def test_debug_is_off_by_default_and_parsed_strictly() -> None:
    assert conf.env_bool({}, "DEBUG", False) is False
    assert conf.env_bool({"DEBUG": "true"}, "DEBUG", False) is True
    with pytest.raises(conf.ConfigurationError, match="DEBUG"):
        conf.env_bool({"DEBUG": "maybe"}, "DEBUG", False)


def test_time_zone_defaults_to_utc_and_is_validated() -> None:
    assert conf.time_zone({}) == "UTC"
    assert conf.time_zone({"TIME_ZONE": "Europe/Amsterdam"}) == "Europe/Amsterdam"
    with pytest.raises(conf.ConfigurationError, match="TIME_ZONE"):
        conf.time_zone({"TIME_ZONE": "Mars/Olympus"})


def test_data_directory_default_follows_xdg(tmp_path: Path) -> None:
    assert conf.data_dir({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path / "seatline"
    assert conf.data_dir({"SEATLINE_DATA_DIR": str(tmp_path / "x")}) == (tmp_path / "x").resolve()


def test_running_settings_use_debug_off(settings) -> None:
    assert settings.DEBUG is False
    assert settings.USE_TZ is True


def test_csrf_trusted_origins_need_their_scheme() -> None:
    assert conf.csrf_trusted_origins({}) == []
    assert conf.csrf_trusted_origins({"CSRF_TRUSTED_ORIGINS": "https://a.example, https://b.example"}) == [
        "https://a.example",
        "https://b.example",
    ]
    with pytest.raises(conf.ConfigurationError, match="CSRF_TRUSTED_ORIGINS"):
        conf.csrf_trusted_origins({"CSRF_TRUSTED_ORIGINS": "billing.example.com"})


def test_the_proxy_ssl_header_is_opt_in() -> None:
    assert conf.proxy_ssl_header({}) is None
    assert conf.proxy_ssl_header({"SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto"}) == (
        "HTTP_X_FORWARDED_PROTO",
        "https",
    )
    assert conf.proxy_ssl_header({"SECURE_PROXY_SSL_HEADER": "X-Scheme:secure"}) == (
        "HTTP_X_SCHEME",
        "secure",
    )
    with pytest.raises(conf.ConfigurationError, match="SECURE_PROXY_SSL_HEADER"):
        conf.proxy_ssl_header({"SECURE_PROXY_SSL_HEADER": "bad header"})


def test_cache_url_selects_redis() -> None:
    assert conf.cache_config({})["default"]["BACKEND"].endswith("LocMemCache")
    redis = conf.cache_config({"CACHE_URL": "redis://127.0.0.1:6379/1"})["default"]
    assert (redis["BACKEND"], redis["LOCATION"]) == (
        "django.core.cache.backends.redis.RedisCache",
        "redis://127.0.0.1:6379/1",
    )
    with pytest.raises(conf.ConfigurationError, match="CACHE_URL"):
        conf.cache_config({"CACHE_URL": "memcached://x"})


def test_whole_numbers_from_the_environment() -> None:
    assert conf.env_int({}, "SEATLINE_WEB_WORKERS", 2) == 2
    assert conf.env_int({"SEATLINE_WEB_WORKERS": "4"}, "SEATLINE_WEB_WORKERS", 2) == 4
    with pytest.raises(conf.ConfigurationError, match="SEATLINE_WEB_WORKERS"):
        conf.env_int({"SEATLINE_WEB_WORKERS": "many"}, "SEATLINE_WEB_WORKERS", 2)
    with pytest.raises(conf.ConfigurationError, match="at least 1"):
        conf.env_int({"SEATLINE_WEB_WORKERS": "0"}, "SEATLINE_WEB_WORKERS", 2, minimum=1)


def test_serve_options_become_gunicorn_settings() -> None:
    from django.core.management.base import CommandError

    from seatline.demo.management.commands.serve import bind_address, gunicorn_options

    assert bind_address("8000") == "127.0.0.1:8000"
    assert bind_address("0.0.0.0:8080") == "0.0.0.0:8080"
    assert bind_address("[::1]:8080") == "[::1]:8080"
    assert bind_address("unix:/run/seatline.sock") == "unix:/run/seatline.sock"
    with pytest.raises(CommandError):
        bind_address("localhost")
    options = gunicorn_options(
        {
            "addr": "127.0.0.1:9000",
            "workers": 3,
            "threads": 1,
            "timeout": 60,
            "max_requests": 0,
            "access_log": False,
        }
    )
    assert (options["bind"], options["workers"], options["worker_class"], options["accesslog"]) == (
        ["127.0.0.1:9000"],
        3,
        "sync",
        None,
    )
    assert (
        gunicorn_options(
            {
                **{
                    "addr": "9000",
                    "workers": 2,
                    "threads": 4,
                    "timeout": 60,
                    "max_requests": 1000,
                    "access_log": True,
                }
            }
        )["worker_class"]
        == "gthread"
    )
