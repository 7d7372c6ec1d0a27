import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy as _

from cells.models import Organization
from cells.selectors import choice_label, record_roots

from .dates import step_window
from .forms import organizations_within, searchable
from .models import PIPELINE_STAGES, Candidate, OccupationCategory, Stage


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class CandidateFilterForm(forms.Form):
    def clean_year(self):
        year = self.cleaned_data.get("year")
        # Outside the years a step can be dated in, the database's date functions fail (year 0, 10001).
        first, last = (day.year for day in step_window(None, timezone.localdate()))
        if year is not None and not first <= year <= last:
            raise forms.ValidationError(gettext("Enter a year between %(first)d and %(last)d.") % {"first": first, "last": last})
        return year


# Whom the list shows: the people still in the pipeline (sourced to the admission decision) unless asked otherwise.
SHOW_PIPELINE, SHOW_PROBATION, SHOW_ALL = "pipeline", "probation", "all"
SHOWN_STAGES = {SHOW_PIPELINE: PIPELINE_STAGES, SHOW_PROBATION: [Stage.PROBATIONARY], SHOW_ALL: None}
SHOW_CHOICES = [
    (SHOW_PIPELINE, _("People in the pipeline")),
    (SHOW_PROBATION, _("Members on probation")),
    (SHOW_ALL, _("Everyone")),
]


def organizations_in_scope(request):
    return organizations_within(record_roots(request.user)) if request is not None else Organization.objects.none()


class CandidateFilter(django_filters.FilterSet):
    """The candidate list's filters. `show` chooses between the people in the pipeline (the default), the members
    on probation and everyone; a chosen stage lists that stage whatever `show` says. The organization is chosen by
    name (the forms' search widget) among those the user reads, and sent as its code."""

    q = django_filters.CharFilter(label=_("search"), method="search")
    show = django_filters.ChoiceFilter(label=_("show"), choices=SHOW_CHOICES, empty_label=None, method="shown")
    org = django_filters.ModelChoiceFilter(
        label=_("organization"), queryset=organizations_in_scope, to_field_name="code", method="in_subtree"
    )
    stage = django_filters.ChoiceFilter(label=_("stage"), choices=Stage.choices)
    occupation_category = django_filters.ChoiceFilter(label=_("occupation category"), choices=OccupationCategory.choices)
    year = YearFilter(label=_("sourced in (year)"), field_name="stage_events__occurred_on", method="sourced_in")

    class Meta:
        model = Candidate
        fields = ["q", "show", "org", "stage", "occupation_category", "year"]
        form = CandidateFilterForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["org"].label_from_instance = choice_label  # as the search answers
        searchable(self.form.fields["org"], "organizations")

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.form.cleaned_data.get("stage"):
            return queryset
        stages = SHOWN_STAGES[self.form.cleaned_data.get("show") or SHOW_PIPELINE]
        return queryset if stages is None else queryset.filter(stage__in=stages)

    def shown(self, queryset, name, value):
        return queryset  # applied with the stage, in filter_queryset

    def search(self, queryset, name, value):
        value = " ".join(value.split())
        return queryset.filter(Q(full_name__icontains=value) | Q(national_id=value)) if value else queryset

    def in_subtree(self, queryset, name, value):
        return queryset.filter(home_cell__path__startswith=value.path)

    def sourced_in(self, queryset, name, value):
        return queryset.filter(stage_events__stage=Stage.SOURCED, stage_events__occurred_on__year=int(value))
