import re
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cells.models import CELL_KINDS, Organization
from cells.selectors import (
    ORGANIZATION_SEARCH_ORDER, cell_label, choice_label, organization_label, organization_matches, record_roots,
    staff_roots, subtrees_q, with_committee_names, within,
)
from tracker.widgets import SearchSelectMultiple, search_when_many

from . import dates, rules, text
from .models import Candidate, DOSSIER_FORMS, PartyMember, Stage
from .selectors import forms_user_may_file, steps_user_may_record


class DateInput(forms.DateInput):
    """dd/mm/yyyy in every browser (a native date picker would follow the browser's locale)."""

    def __init__(self, **kwargs):
        attrs = {"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off", **kwargs.pop("attrs", {})}
        super().__init__(format="%d/%m/%Y", attrs=attrs, **kwargs)


def in_window(day, error: str | None):
    """`day` for a form's clean_<field>, or the window's message (candidates/dates.py) next to the field."""
    if error:
        raise forms.ValidationError(error)
    return day


def cells_within(roots):
    """The active cells under `roots`, in tree order (each committee's together), each with its committee's name
    for its label (cells.selectors.cell_label)."""
    return with_committee_names(
        Organization.objects.filter(subtrees_q(roots), kind__in=CELL_KINDS, is_active=True).order_by("path")
    )


def committees_within(roots):
    """The organizations that can run an awareness class: every active one but the cells."""
    return Organization.objects.filter(subtrees_q(roots), is_active=True).exclude(kind__in=CELL_KINDS).order_by("path")


def organizations_within(roots):
    """Every organization under `roots` (the candidate list's filter): committees and cells, closed ones too,
    whose people may still be listed."""
    return with_committee_names(Organization.objects.filter(subtrees_q(roots)).order_by("path"))


def members_within(roots, cell=None):
    """The party members under `roots` in name order; with `cell`, that cell's full members first (a mentor is
    usually one of them)."""
    members = PartyMember.objects.filter(subtrees_q(roots, field="organization__path"))
    if cell is None:
        return members.order_by("sort_name", "pk")
    return members.annotate(
        cell_first=Case(
            When(organization=cell, full_member_on__lte=timezone.localdate(), then=Value(0)),
            default=Value(1), output_field=IntegerField(),
        )
    ).order_by("cell_first", "sort_name", "pk")


def member_label(member) -> str:
    return f"{member.full_name} ({member.organization.name})"


def is_full_member(member) -> bool:
    return member.full_member_on is not None and member.full_member_on <= timezone.localdate()


class MentorSelect(SearchSelectMultiple):
    """The mentors' select: each option says its member's cell, whether they are a full member and their place in
    name order, so that the page (static/js/mentors-first.js) offers the chosen cell's full members first when
    the cell changes; the server offers them first for the cell the form holds."""

    class Media:
        js = ["js/mentors-first.js"]

    def get_context(self, name, value, attrs):
        return super().get_context(name, value, {**(attrs or {}), "data-mentors": "1"})

    def optgroups(self, name, value, attrs=None):
        groups = super().optgroups(name, value, attrs)
        options = [option for _group, group_options, _index in groups for option in group_options]
        members = [option for option in options if getattr(option["value"], "instance", None) is not None]
        by_name = sorted(members, key=lambda option: (option["value"].instance.sort_name, option["value"].instance.pk))
        for rank, option in enumerate(by_name):
            member = option["value"].instance
            option["attrs"].update({
                "data-cell": member.organization_id, "data-full-member": "1" if is_full_member(member) else "0",
                "data-rank": rank,
            })
        return groups


@dataclass(frozen=True)
class Search:
    """What a field that searches as you type (tracker.widgets) offers: the choices within the user's
    scope, what a query matches, each result's label, and their order (not the tree's: walking the
    tree's index, PostgreSQL would read a country's 310,000 organizations for 20 matches)."""

    choices: Callable
    matches: Callable[[str], Q]
    label: Callable[[object], str]
    order: tuple[str, ...]
    roots: Callable = staff_roots  # whose scope: those who enter data (the forms), or who read records
    value: str = "pk"  # what a chosen option sends


SEARCHES = {
    "cells": Search(cells_within, organization_matches, cell_label, ORGANIZATION_SEARCH_ORDER),
    "committees": Search(committees_within, organization_matches, organization_label, ORGANIZATION_SEARCH_ORDER),
    "members": Search(
        lambda roots: members_within(roots).select_related("organization"),
        lambda query: Q(full_name__icontains=query),
        member_label,
        ("sort_name", "pk"),
    ),
    # The candidate list's organization filter: anyone who reads records, by code as the list's links are.
    "organizations": Search(
        organizations_within, organization_matches, choice_label, ORGANIZATION_SEARCH_ORDER, roots=record_roots,
        value="code",
    ),
}


def searchable(field, search: str, widget_class=None) -> None:
    """Let the field search as you type when the user's scope holds too many choices for one page
    (a province's 8,000 cells); with few, it stays a plain select."""
    search_when_many(
        field, reverse("candidates:search", args=[search]), label=SEARCHES[search].label, widget_class=widget_class
    )


class CandidateForm(forms.ModelForm):
    sourced_on = forms.DateField(label=_("put in the sourcing plan on"), widget=DateInput())

    class Meta:
        model = Candidate
        fields = [
            "full_name", "date_of_birth", "gender", "ethnicity", "religion", "education_level", "national_id",
            "occupation_category", "home_cell", "source", "mentors", "notes",
        ]
        widgets = {"date_of_birth": DateInput(), "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, roots, **kwargs):
        super().__init__(*args, **kwargs)
        self.roots = roots
        self.fields["home_cell"].queryset = cells_within(roots)
        self.fields["home_cell"].label_from_instance = cell_label  # as the search answers: under its committee
        self.fields["mentors"].queryset = members_within(roots, self._chosen_cell()).select_related("organization")
        searchable(self.fields["home_cell"], "cells")
        searchable(self.fields["mentors"], "members", widget_class=MentorSelect)
        self.fields["mentors"].required = False
        self.fields["national_id"].required = False
        if self.instance.pk:
            del self.fields["sourced_on"]

    def _chosen_cell(self):
        """The cell the form holds (posted, or the person's), whose full members are offered first as mentors."""
        key = self.add_prefix("home_cell")
        if self.is_bound and re.fullmatch(r"[0-9]{1,18}", str(self.data.get(key, ""))):
            return int(self.data[key])
        return self.instance.home_cell_id if self.instance.pk else None

    def clean_national_id(self):
        value = (self.cleaned_data.get("national_id") or "").strip()
        if not value:
            return None
        text.validate_national_id(value)
        existing = Candidate.objects.filter(national_id=value).exclude(pk=self.instance.pk).select_related("home_cell").first()
        if existing is not None:
            raise forms.ValidationError(national_id_taken(existing, self.roots))
        return value

    def clean_full_name(self):
        # The model's validators then check the stored form (candidates.text).
        return text.normalize_name(self.cleaned_data["full_name"])

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        return in_window(born, dates.birth_date_error(born))

    def clean(self):
        cleaned = super().clean()
        sourced_on = cleaned.get("sourced_on")
        if sourced_on and (error := dates.step_date_error(sourced_on, born=cleaned.get("date_of_birth"))):
            self.add_error("sourced_on", error)
        return cleaned


def national_id_taken(existing: Candidate, roots) -> str:
    """What a user may learn of the person who already holds a national ID: their name and cell within the
    user's scope; outside it, only that someone does (IDs are unique in the country), and whom to ask."""
    if within(existing.home_cell, roots):
        return _("Same national ID as %(name)s (%(cell)s), already in the records.") % {
            "name": existing.full_name, "cell": existing.home_cell.name,
        }
    return str(_("A person with this national ID is already registered elsewhere; ask the board staff above."))


class StepForm(forms.Form):
    stage = forms.ChoiceField(label=_("step"))
    occurred_on = forms.DateField(label=_("date"), widget=DateInput())
    document_number = forms.CharField(
        label=_("document number"), max_length=64, required=False,
        help_text=_("The decision number for an admission decision or a full-membership decision."),
    )
    votes_for = forms.IntegerField(label=_("votes in favour"), min_value=0, max_value=10000, required=False)
    members_total = forms.IntegerField(label=_("full members of the cell"), min_value=1, max_value=10000, required=False)
    approval_reference = forms.CharField(label=_("higher committee's approval"), max_length=120, required=False)
    note = forms.CharField(label=_("note"), max_length=500, required=False)

    def __init__(self, *args, candidate: Candidate, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidate = candidate
        # Only the next steps this user's organization owns: a step posted by hand is "not a valid choice".
        stages = steps_user_may_record(user, candidate, rules.next_stages(candidate.stage))
        self.fields["stage"].choices = [(stage, Stage(stage).label) for stage in stages]
        stage = self.data.get("stage") if self.is_bound else None
        if stage in Stage.values and candidate.stage_events.filter(stage=stage).exists():
            # Someone recorded it since the page was loaded: say so, rather than "not a valid choice".
            message = _("The step “%(stage)s” is already recorded for %(name)s.") % {
                "stage": Stage(stage).label, "name": candidate.full_name,
            }
            self.fields["stage"].error_messages["invalid_choice"] = message.replace("%", "%%")

    def clean_occurred_on(self):
        day = self.cleaned_data["occurred_on"]
        return in_window(day, dates.step_date_error(day, born=self.candidate.date_of_birth))


class DocumentForm(forms.Form):
    form_code = forms.ChoiceField(label=_("form"))
    received_on = forms.DateField(label=_("received on"), widget=DateInput())
    document_number = forms.CharField(label=_("document number"), max_length=64, required=False)
    introducer = forms.ModelChoiceField(
        label=_("introducing member"), queryset=PartyMember.objects.none(), required=False,
        help_text=_("Only for 3-KNĐ: a full member of at least 12 months' standing."),
    )
    note = forms.CharField(label=_("note"), max_length=500, required=False)

    def __init__(self, *args, candidate: Candidate, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidate = candidate
        filed = set(candidate.documents.values_list("form_code", flat=True))
        # A form is filed by whoever records the step it is needed for.
        may_file = set(forms_user_may_file(user, candidate))
        self.fields["form_code"].choices = [
            (code, f"{code} {label}") for code, (label, _stage) in DOSSIER_FORMS.items()
            if code in may_file and code not in filed
        ]
        # Members of the candidate's own committee (the cell's parent subtree).
        committee = Organization.objects.get_parent(candidate.home_cell) or candidate.home_cell
        self.fields["introducer"].queryset = PartyMember.objects.filter(organization__path__startswith=committee.path)

    def clean_received_on(self):
        day = self.cleaned_data["received_on"]
        return in_window(day, dates.step_date_error(day, born=self.candidate.date_of_birth))


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's refusal next to the field it names, or above the form when it names none."""
    if hasattr(error, "error_dict"):
        for field, field_errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error)
