# SPDX-License-Identifier: AGPL-3.0-or-later
"""E-mail templates rendered in Jinja2's sandbox.

Templates are written by the partner in the back office, so they run in a
`SandboxedEnvironment` (no access to Python internals: ``''.__class__`` is a `SecurityError`)
with `StrictUndefined` (a misspelt variable is an error, never an empty string in a customer's
inbox). ``{{ _("text %(name)s", name=value) }}`` translates through Django's gettext catalogs
in the language active while rendering (the recipient's). The HTML body is auto-escaped; the
subject and the text body are not.

`check()` renders a source against a template's sample context and reports the first problem
with the line it is on; the back office refuses to save a template with a problem.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext, ngettext
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment, SecurityError

TEMPLATE_FILENAME = "<template>"


def _environment(*, autoescape: bool) -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        undefined=StrictUndefined,
        autoescape=autoescape,
        extensions=["jinja2.ext.i18n"],
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env


TEXT_ENV = _environment(autoescape=False)
HTML_ENV = _environment(autoescape=True)


@dataclass(frozen=True)
class TemplateProblem:
    field: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.message}"


class TemplateRenderError(Exception):
    def __init__(self, problem: TemplateProblem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _line_of(exc: BaseException) -> int | None:
    if isinstance(exc, TemplateSyntaxError):
        return exc.lineno
    lines = [
        frame.lineno
        for frame in traceback.extract_tb(exc.__traceback__)
        if frame.filename == TEMPLATE_FILENAME
    ]
    return lines[-1] if lines else None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SecurityError):
        return f"not allowed in a template: {exc}"
    if isinstance(exc, TemplateSyntaxError):
        return f"syntax error: {exc.message}"
    if isinstance(exc, TemplateError):
        return str(exc.message or exc)
    return f"{type(exc).__name__}: {exc}"


def render(source: str, context: Mapping[str, Any], *, field: str, html: bool = False) -> str:
    """Render one template source; any problem raises `TemplateRenderError` naming the line."""
    env = HTML_ENV if html else TEXT_ENV
    try:
        return env.from_string(source).render(dict(context))
    except Exception as exc:  # every template problem is reported the same way
        raise TemplateRenderError(TemplateProblem(field, _line_of(exc), _describe(exc))) from exc


def render_subject(source: str, context: Mapping[str, Any]) -> str:
    """The subject on one line (template line breaks and runs of spaces collapse)."""
    return " ".join(render(source, context, field="subject").split())


def check(
    source: str, context: Mapping[str, Any], *, field: str, html: bool = False
) -> TemplateProblem | None:
    try:
        render(source, context, field=field, html=html)
    except TemplateRenderError as exc:
        return exc.problem
    return None


def variables_used(source: str) -> set[str]:
    """The top-level variables a source refers to (empty when it does not parse)."""
    from jinja2 import meta

    try:
        return set(meta.find_undeclared_variables(TEXT_ENV.parse(source)))
    except TemplateSyntaxError:
        return set()
