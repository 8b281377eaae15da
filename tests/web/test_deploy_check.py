# SPDX-License-Identifier: AGPL-3.0-or-later
"""`seatline check --deploy` is clean in a production-like environment, and says what is missing
in a careless one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.web.live import ROOT, server_env

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-production-secret-key-" + "x7Q9" * 12,
    "ALLOWED_HOSTS": "billing.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://billing.example.com",
    "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_PRELOAD": "true",
}


def check(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "seatline.cli", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=server_env(tmp_path, **env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_the_deploy_check(tmp_path: Path) -> None:
    result = check(tmp_path, **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_debug_and_plain_http_are_reported(tmp_path: Path) -> None:
    result = check(tmp_path, **{**PRODUCTION, "DEBUG": "true", "SEATLINE_HTTPS": "false"})
    assert result.returncode != 0
    report = result.stdout + result.stderr
    for warning in ("security.W018", "security.W012", "security.W016", "security.W004"):
        assert warning in report, warning
