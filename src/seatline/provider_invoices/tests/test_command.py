# SPDX-License-Identifier: AGPL-3.0-or-later
"""`seatline provider-invoice import`: the outcome printed, exit 1 on error, 2 when refused."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from seatline.provider_invoices.tests.support import NCE_HEADER, csv_file, nce_row, provider

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("provider_invoice", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def args(path: Path, total: str, *extra: str) -> list[str]:
    return [
        "import", "--provider", "Microsoft", "--template", "microsoft_nce_reconciliation", "--number", "G7",
        "--period-start", "2024-01-01", "--period-end", "2024-01-31", "--total", total, *extra, str(path),
    ]  # fmt: skip


def test_import_prints_the_outcome_and_exits_by_state(tmp_path: Path) -> None:
    provider()
    path = csv_file(tmp_path / "g7.csv", NCE_HEADER, [nce_row(), nce_row(Total="oops")])
    errors = tmp_path / "errors.csv"

    code, out, _ = run(*args(path, "60", "--errors-file", str(errors)))

    assert code == 1
    assert out.splitlines()[0] == "provider invoice G7 (Microsoft): error"
    assert (
        "error: [unreadable_file] the file was not imported: row 3, column Total: unreadable amount 'oops'"
        in out
    )
    assert errors.read_text().splitlines()[1] == "3,Total,unreadable amount 'oops'"

    good = csv_file(tmp_path / "g7b.csv", NCE_HEADER, [nce_row()])
    code, out, _ = run(*args(good, "60.30", "--override-tolerance", "0.2"))
    assert code == 0
    assert out.splitlines() == [
        "provider invoice G7 (Microsoft): active",
        "difference: 0.3000 (tolerance 1)",
        "lines: 1 (0 usage, 1 unmapped)",
    ]

    code, _, err = run(*args(good, "99"))
    assert code == 2
    assert err.startswith("refused: [provider_invoice_active]")
