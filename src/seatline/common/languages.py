# SPDX-License-Identifier: AGPL-3.0-or-later
"""Languages of accounts and documents: BCP 47 tags checked with Babel.

An account's `language` (e.g. ``de-DE``) decides two things for its documents and e-mails:

* the texts: Django's gettext catalog of the tag's language (``de``), when Seatline ships one
  (`DOCUMENT_LANGUAGES`); other languages get the English texts;
* numbers, dates and money: Babel's data for the full tag (``de_DE``: ``1.234,56 €``), for any
  locale Babel knows.
"""

from __future__ import annotations

from functools import lru_cache

from babel import Locale, UnknownLocaleError
from django.core.exceptions import ValidationError

DEFAULT_LANGUAGE = "en-US"

#: Languages whose document and e-mail texts are translated (locale/<code>/LC_MESSAGES/django.po).
DOCUMENT_LANGUAGES: dict[str, str] = {
    "en": "English",
    "de": "Deutsch",
    "fr": "Français",
    "nl": "Nederlands",
    "es": "Español",
}


@lru_cache(maxsize=256)
def babel_locale(tag: str) -> Locale:
    """The Babel locale of a BCP 47 tag (``de-DE`` -> ``de_DE``); ValueError when unknown."""
    text = (tag or "").strip()
    if not text:
        raise ValueError("an empty language tag")
    try:
        return Locale.parse(text.replace("_", "-"), sep="-")
    except (UnknownLocaleError, ValueError, TypeError) as exc:
        raise ValueError(f"{tag!r} is not a language tag Babel knows (BCP 47, e.g. en-US, de-DE)") from exc


def normalize_language_tag(tag: str) -> str:
    """The canonical spelling of a tag: ``de-de`` -> ``de-DE``, ``zh_hant_tw`` -> ``zh-Hant-TW``."""
    locale = babel_locale(tag)
    parts = [locale.language, locale.script, locale.territory, locale.variant]
    return "-".join(part for part in parts if part)


def validate_language_tag(value: str) -> None:
    try:
        babel_locale(value)
    except ValueError as exc:
        raise ValidationError(str(exc), code="invalid_language") from exc


def text_language(tag: str) -> str:
    """The gettext language for a tag: its language when translated, else English."""
    try:
        language = babel_locale(tag).language
    except ValueError:
        return "en"
    return language if language in DOCUMENT_LANGUAGES else "en"
