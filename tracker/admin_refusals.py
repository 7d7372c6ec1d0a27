"""Admin change forms that save through the services: a service's refusal comes back on the form,
next to the field it is about, as the form's own errors do (never a server error).

`save_model` runs after the form is validated, so it cannot add errors to the form any more. It raises
`Refused` instead; the view's transaction (a savepoint: requests are atomic) undoes whatever the
service had written, and the same post is validated once more with the refusal's errors, which
renders the form with them and saves nothing. The service runs once when it accepts the change.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction


class Refused(Exception):
    """A service refused what the admin form asked for: its messages by form field (None: the form)."""

    def __init__(self, errors: dict[str | None, list[str]]):
        super().__init__(errors)
        self.errors = errors


def refusal(
    error: ValidationError, fields: Iterable[str], default: str | None | Callable[[ValidationError], str | None] = None
) -> Refused:
    """`error` as a Refused. A message keyed by one of the form's `fields` stays on it; one keyed by the
    form as a whole stays there; the others go to `default` (a field, None for the form as a whole, or
    a function of the single error giving either)."""
    fields = set(fields)
    errors: dict[str | None, list[str]] = {}
    if hasattr(error, "error_dict"):
        items = [(key, one) for key, found in error.error_dict.items() for one in found]
    else:
        items = [(None, one) for one in error.error_list]
    for key, one in items:
        if key in fields:
            field = key
        elif key == NON_FIELD_ERRORS:
            field = None
        else:
            field = default(one) if callable(default) else default
        errors.setdefault(field if field in fields else None, []).extend(one.messages)
    return Refused(errors)


class RefusalsOnTheForm:
    """For a ModelAdmin whose `save_model` raises `Refused`: the page comes back with the refusal's
    errors (status 200) instead of failing."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except Refused as refused:
            request._admin_refusal = refused.errors
            try:
                return super().changeform_view(request, object_id, form_url, extra_context)
            finally:
                del request._admin_refusal

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """django-simple-history's revert form saves through `save_model` too (outside any savepoint
        of its own, hence the one here)."""
        try:
            with transaction.atomic():
                return super().history_form_view(request, object_id, version_id, extra_context)
        except Refused as refused:
            request._admin_refusal = refused.errors
            try:
                return super().history_form_view(request, object_id, version_id, extra_context)
            finally:
                del request._admin_refusal

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        errors = getattr(request, "_admin_refusal", None)
        if not errors:
            return form

        class Refusing(form):
            def clean(self):
                cleaned = super().clean()
                for field, messages in errors.items():
                    self.add_error(field if field in self.fields else None, messages)
                return cleaned

        Refusing.__name__ = form.__name__
        return Refusing
