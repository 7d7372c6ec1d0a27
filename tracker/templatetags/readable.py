"""What the pages show of stored values a person would otherwise read raw: ISO dates kept for the API,
the English change reasons of the history, the values of a history record's changes."""
from __future__ import annotations

import datetime

from django import template
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from ..change_reasons import reason_display

register = template.Library()


@register.filter
def iso_date(value):
    """`{{ "2023-12-18"|iso_date|date:"d/m/Y" }}`: a date kept as ISO text (the figures' `completed_on`,
    which the API returns as is) as a date; anything else unchanged."""
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return value
    return value


@register.filter
def change_reason(reason) -> str:
    """A history record's stored reason ("moved, effective 01/07/2025") in the reader's language."""
    return reason_display(reason)


EMPTY = "—"


def shown_value(field, value) -> str:
    """One value of a history record as the admin would show it: a choice's label, a date dd/mm/yyyy, a
    time in the local time zone, yes or no, a related object's name; "—" for none."""
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(field, models.ForeignKey):
        related = field.related_model._base_manager.filter(pk=value).first()
        return str(related) if related is not None else f"#{value}"
    if getattr(field, "flatchoices", None):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value) if timezone.is_aware(value) else value, "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(field, (models.DateTimeField, models.DateField)) and isinstance(value, str):
        try:
            parsed = datetime.datetime.fromisoformat(value)
        except ValueError:
            return value
        return shown_value(field, parsed if isinstance(field, models.DateTimeField) else parsed.date())
    return str(value)


@register.simple_tag
def readable_history(page_obj) -> str:
    """Give each record of a page of history (newest first) `readable_changes`: what changed since the
    record after it, [{"field", "old", "new"}] with the field's name and both values as shown."""
    records = list(page_obj.object_list if hasattr(page_obj, "object_list") else page_obj)
    for newer, older in zip(records, records[1:]):
        delta = newer.diff_against(older)  # related records by their key, read above (one may be gone)
        fields = newer.instance_type._meta
        newer.readable_changes = [
            {
                "field": capfirst(fields.get_field(change.field).verbose_name),
                "old": shown_value(fields.get_field(change.field), change.old),
                "new": shown_value(fields.get_field(change.field), change.new),
            }
            for change in delta.changes
        ]
    return ""
