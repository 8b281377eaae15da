# SPDX-License-Identifier: AGPL-3.0-or-later
"""Domain actions in the back office: a form page per action that calls one service.

An admin lists its actions in `service_actions` (name -> (label, view method name)); each gets a
button on the change form (unfold `actions_detail`) and a URL `<id>/do/<name>/`. A refused
operation (SeatlineError) comes back as an error on the named field, and nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from unfold.decorators import action
from unfold.widgets import (
    INPUT_CLASSES,
    UnfoldAdminDecimalFieldWidget,
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminRadioSelectWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
    UnfoldBooleanWidget,
)

from seatline.audit.context import acting_as
from seatline.common.admin import ReadOnlyRowsMixin
from seatline.errors import SeatlineError

TEMPLATE = "seatline/admin/action_form.html"


def submitted(request: HttpRequest) -> Any:
    """The data of a POST, even an empty one (a form of optional fields still binds), else None."""
    return request.POST if request.method == "POST" else None


def add_service_error(form: forms.Form, error: SeatlineError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, f"{error.message} ({error.code})")


def style_form(form: forms.Form) -> forms.Form:
    """The back office's look on an action form: visible boxes, a date picker for dates."""
    for field in form.fields.values():
        widget = field.widget
        attrs = dict(widget.attrs)
        styled: forms.Widget | None = None
        if isinstance(widget, forms.RadioSelect):
            styled = UnfoldAdminRadioSelectWidget(attrs=attrs, choices=widget.choices)
        elif isinstance(widget, forms.Select) and not isinstance(widget, forms.SelectMultiple):
            styled = UnfoldAdminSelectWidget(attrs=attrs, choices=widget.choices)
        elif isinstance(widget, forms.Textarea):
            styled = UnfoldAdminTextareaWidget(attrs=attrs)
        elif isinstance(widget, forms.CheckboxInput):
            styled = UnfoldBooleanWidget(attrs=attrs)
        elif isinstance(widget, forms.DateInput):
            styled = forms.DateInput(
                attrs={**attrs, "type": "date", "class": " ".join(INPUT_CLASSES)}, format="%Y-%m-%d"
            )
        elif isinstance(field, forms.DecimalField):
            styled = UnfoldAdminDecimalFieldWidget(attrs=attrs)
        elif isinstance(field, forms.IntegerField):
            styled = UnfoldAdminIntegerFieldWidget(attrs=attrs)
        elif type(widget) in (forms.TextInput, forms.EmailInput, forms.URLInput):
            styled = UnfoldAdminTextInputWidget(attrs=attrs)
        if styled is not None:
            styled.is_required = widget.is_required
            field.widget = styled
    return form


def detail_action(name: str, label: str) -> Any:
    """An unfold detail action (a button on the change form) that opens the action's page."""

    @action(description=label, url_path=f"go-{name}", permissions=["service_action"])
    def open_page(model_admin: Any, request: HttpRequest, object_id: str) -> HttpResponse:
        return HttpResponseRedirect(model_admin.action_url(name, object_id))

    open_page.__name__ = f"open_{name.replace('-', '_')}"
    return open_page


class ServiceActionsMixin:
    """`service_actions` of every class in the MRO add up: an app above contributes its actions to
    another app's admin by subclassing it with its own mixin (`seatline.common.admin.extend_admin`)."""

    service_actions: Sequence[tuple[str, str, str]] = ()  # (name, label, view method)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        merged: dict[str, tuple[str, str, str]] = {}
        for klass in reversed(cls.__mro__):
            for entry in klass.__dict__.get("service_actions", ()):
                merged[entry[0]] = entry
        cls.service_actions = tuple(merged.values())
        names = []
        for name, label, _ in cls.service_actions:
            button = detail_action(name, label)
            setattr(cls, button.__name__, button)
            names.append(button.__name__)
        cls.actions_detail = tuple(names)  # type: ignore[attr-defined]

    def has_service_action_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """A service action needs the model's change permission, not the change form's: rows that
        only services write have a read-only change form and still their actions."""
        return bool(self.has_change_permission(request))  # type: ignore[attr-defined]

    def action_url(self, name: str, object_id: Any) -> str:
        meta = self.model._meta  # type: ignore[attr-defined]
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_do_{name}", args=[object_id])

    def change_url(self, obj: Any) -> str:
        meta = obj._meta
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])

    def get_urls(self) -> list[Any]:
        meta = self.model._meta  # type: ignore[attr-defined]
        extra = [
            path(
                f"<path:object_id>/do/{name}/",
                self.admin_site.admin_view(self._action_view(getattr(self, method))),  # type: ignore[attr-defined]
                name=f"{meta.app_label}_{meta.model_name}_do_{name}",
            )
            for name, _, method in self.service_actions
        ]
        return extra + super().get_urls()  # type: ignore[misc]

    def _action_view(self, handler: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        def view(request: HttpRequest, object_id: str) -> HttpResponse:
            obj = get_object_or_404(self.model, pk=object_id)  # type: ignore[attr-defined]
            if not self.has_service_action_permission(request, obj):
                raise PermissionDenied
            with acting_as(request.user.get_username()):
                return handler(request, obj)

        return view

    def render_action(
        self,
        request: HttpRequest,
        obj: Any,
        *,
        title: str,
        intro: str = "",
        form: forms.Form | None = None,
        buttons: Sequence[tuple[str, str]] = (("apply", "Apply"),),
        preview_title: str = "",
        preview_headings: Sequence[str] = (),
        preview_rows: Sequence[Sequence[Any]] = (),
        preview_footer: Sequence[str] = (),
        preview_empty: str = "",
    ) -> TemplateResponse:
        if form is not None:
            style_form(form)
        context = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "title": f"{title}: {obj}",
            "intro": intro,
            "form": form,
            "buttons": buttons,
            "back_url": self.change_url(obj),
            "preview_title": preview_title,
            "preview_headings": preview_headings,
            "preview_rows": preview_rows,
            "preview_footer": preview_footer,
            "preview_empty": preview_empty,
            "opts": self.model._meta,  # type: ignore[attr-defined]
        }
        return TemplateResponse(request, TEMPLATE, context)

    def done(self, request: HttpRequest, obj: Any, message: str) -> HttpResponseRedirect:
        messages.success(request, message)
        return HttpResponseRedirect(self.change_url(obj))


class CreatedByServiceMixin(ReadOnlyRowsMixin):
    """An admin whose rows are added by a service and are read-only afterwards.

    The add form shows `add_fields`; when it is valid, `create_with_service(data)` (the app's
    service: validation, locks, audit, jobs) writes the row, and a refusal (SeatlineError) shows on
    its field with nothing saved. Existing rows are never changed by hand: their change page is a
    read-only view (`has_change_permission` is False for an object), so flags such as billed /
    invoiced / status cannot be edited, and they cannot be deleted.
    """

    add_fields: Sequence[str] = ()

    def create_with_service(self, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return list(self.add_fields)
        return super().get_fields(request, obj)  # type: ignore[misc]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)  # type: ignore[misc]
        if obj is not None:
            return form
        model_admin = self

        class CreateThroughService(form):  # type: ignore[valid-type, misc]
            created: Any = None

            def clean(self) -> dict[str, Any]:
                data = super().clean()
                if self.errors:
                    return data
                values = {name: value for name, value in data.items() if value not in (None, "")}
                try:
                    with acting_as(request.user.get_username()):
                        self.created = model_admin.create_with_service(values)
                except SeatlineError as error:
                    add_service_error(self, error)
                return data

        return CreateThroughService

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        created = form.created
        obj.pk = created.pk
        obj._state.adding = False
        obj.refresh_from_db()
        if hasattr(obj, "_audit_values"):
            obj._audit_loaded = obj._audit_values()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
