"""A select that searches as you type, for choices too many to send in a page."""
from __future__ import annotations

from django import forms
from django.http import JsonResponse
from django.utils.translation import gettext as _

from .querysets import count_up_to

# Up to this many choices a field stays a plain select; above it, the page would carry thousands of
# options (a province's 8,000 cells, the country's 270,000), so it holds the chosen ones and searches.
SEARCH_ABOVE = 300
SEARCH_RESULTS = 20  # what a search answers at most
MIN_QUERY = 2  # letters typed before a search is asked (static/js/search-select.js waits as long)


class SearchSelect(forms.Select):
    """A plain select while the choices are few; above SEARCH_ABOVE (counted up to SEARCH_ABOVE + 1 when
    the page is drawn, not at all when a form only validates, as an import's rows do) it renders only
    the chosen options, and static/js/search-select.js asks `url` for the others
    (`?q=` → {"results": [{"value", "text"}]}). Validation is the field's own, on its whole queryset."""

    def __init__(self, url: str, label=str, attrs=None):
        super().__init__(attrs)
        self.url, self.label = url, label  # label: what the search answers for a choice
        self.many = False

    class Media:
        css = {"all": ["vendor/tom-select-2.6.2/tom-select.bootstrap5.min.css", "css/search-select.css"]}
        js = ["vendor/tom-select-2.6.2/tom-select.complete.min.js", "js/search-select.js"]

    def get_context(self, name, value, attrs):
        self.many = count_up_to(self.choices.queryset, SEARCH_ABOVE) > SEARCH_ABOVE
        if self.many:
            attrs = {
                **(attrs or {}),
                "data-search-url": self.url,
                "data-placeholder": _("Type a few letters to search"),
                "data-no-results": _("Nothing found in your scope."),
            }
        return super().get_context(name, value, attrs)

    def optgroups(self, name, value, attrs=None):
        if not self.many:
            return super().optgroups(name, value, attrs)
        field = self.choices.field
        chosen = {str(item) for item in value if str(item) not in field.empty_values}
        key = field.to_field_name or "pk"  # what an option sends: the id, or a field such as a code
        options = []
        if not self.is_required and not self.allow_multiple_selected:
            options.append(self.create_option(name, "", "", False, 0))
        for obj in self.choices.queryset.filter(**{f"{key}__in": chosen}) if chosen else []:
            options.append(self.create_option(name, getattr(obj, key), self.label(obj), True, len(options)))
        return [(None, options, 0)]


class SearchSelectMultiple(SearchSelect, forms.SelectMultiple):
    pass


def search_when_many(field: forms.ModelChoiceField, url: str, label=str, widget_class=None) -> None:
    """Give the field a SearchSelect (or `widget_class`, one of its kind) that asks `url` when the choices are many."""
    if widget_class is None:
        widget_class = SearchSelectMultiple if isinstance(field, forms.ModelMultipleChoiceField) else SearchSelect
    widget = widget_class(url, label, attrs=field.widget.attrs)
    widget.is_required = field.required
    widget.choices = field.choices
    field.widget = widget


def search_response(queryset, query: str, label=str, value: str = "pk") -> JsonResponse:
    """What a SearchSelect asks for: the first SEARCH_RESULTS choices of the queryset, already filtered by
    `query` and ordered; nothing for a query too short to mean anything. `value`: the field an option sends."""
    found = queryset[:SEARCH_RESULTS] if len(query.strip()) >= MIN_QUERY else []
    return JsonResponse({"results": [{"value": getattr(obj, value), "text": label(obj)} for obj in found]})
