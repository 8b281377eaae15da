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
