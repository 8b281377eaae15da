# SPDX-License-Identifier: AGPL-3.0-or-later
"""Seatline's gettext catalogs (``seatline/locale/<lang>/LC_MESSAGES/django.po``): the texts of
documents and e-mails, and the compiled ``.mo`` files Django reads.

``python -m seatline.documents.catalogs check``    every msgid of the sources is translated, the .mo are current
``python -m seatline.documents.catalogs compile``  write the .mo files from the .po files (Babel: no GNU msgfmt needed)
``python -m seatline.documents.catalogs missing``  print the msgids a language lacks

The compiled .mo files are committed, so a fresh clone works without compiling; the test suite
fails when one is out of date with its .po.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

PACKAGE = Path(__file__).resolve().parent.parent
LOCALE_DIR = PACKAGE / "locale"
LANGUAGES = ("en", "de", "fr", "nl", "es")
#: Python modules whose gettext calls are document or e-mail texts.
PYTHON_SOURCES = ("documents/content.py",)
TEMPLATE_DIR = PACKAGE / "notifications" / "shipped"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}


def source_msgids() -> set[str]:
    """Every msgid the document and e-mail sources use."""
    found: set[str] = set()
    for relative in PYTHON_SOURCES:
        for _lineno, message, _comments, _context in extract_from_file(
            "python", PACKAGE / relative, keywords=KEYWORDS
        ):
            found.update([message] if isinstance(message, str) else [m for m in message if m])
    from seatline.notifications.rendering import TEXT_ENV

    for path in sorted(TEMPLATE_DIR.iterdir()):
        for _lineno, _function, message in TEXT_ENV.extract_translations(path.read_text(encoding="utf-8")):
            if isinstance(message, str):
                found.add(message)
            else:
                found.update(m for m in message if m)
    return found


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.po"


def read_catalog(language: str) -> Catalog:
    with po_path(language).open("rb") as handle:
        return read_po(handle, locale=language)


def compiled(language: str) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, read_catalog(language), use_fuzzy=False)
    return buffer.getvalue()


def compile_all() -> list[Path]:
    written = []
    for language in LANGUAGES:
        target = po_path(language).with_suffix(".mo")
        target.write_bytes(compiled(language))
        written.append(target)
    return written


def missing(language: str) -> list[str]:
    catalog = read_catalog(language)
    return sorted(
        msgid
        for msgid in source_msgids()
        if not (catalog.get(msgid) and catalog.get(msgid).string)  # type: ignore[union-attr]
    )


def stale() -> list[str]:
    return [lang for lang in LANGUAGES if po_path(lang).with_suffix(".mo").read_bytes() != compiled(lang)]


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "compile":
        for path in compile_all():
            sys.stdout.write(f"wrote {path.relative_to(PACKAGE.parent)}\n")
        return 0
    if command == "missing":
        for language in LANGUAGES:
            for msgid in missing(language):
                sys.stdout.write(f"{language}: {msgid!r}\n")
        return 0
    problems = [f"{lang}: {msgid!r} untranslated" for lang in LANGUAGES for msgid in missing(lang)]
    problems += [f"{lang}: django.mo is out of date (run compile)" for lang in stale()]
    for problem in problems:
        sys.stdout.write(problem + "\n")
    return 1 if problems else 0


if __name__ == "__main__":
    import django

    django.setup()
    sys.exit(main(sys.argv[1:]))
