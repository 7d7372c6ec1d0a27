import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy as _

from cells.models import Organization

from .dates import step_window
from .models import Candidate, OccupationCategory, Stage


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


class CandidateFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("search"), method="search")
    org = django_filters.CharFilter(label=_("organization (code)"), method="in_subtree")
    stage = django_filters.ChoiceFilter(label=_("stage"), choices=Stage.choices)
    occupation_category = django_filters.ChoiceFilter(label=_("occupation category"), choices=OccupationCategory.choices)
    year = YearFilter(label=_("sourced in (year)"), field_name="stage_events__occurred_on", method="sourced_in")

    class Meta:
        model = Candidate
        fields = ["q", "org", "stage", "occupation_category", "year"]
        form = CandidateFilterForm

    def search(self, queryset, name, value):
        value = " ".join(value.split())
        return queryset.filter(Q(full_name__icontains=value) | Q(national_id=value)) if value else queryset

    def in_subtree(self, queryset, name, value):
        organization = Organization.objects.filter(code=value.strip()).first()
        if organization is None:
            return queryset.none()
        return queryset.filter(home_cell__path__startswith=organization.path)

    def sourced_in(self, queryset, name, value):
        return queryset.filter(stage_events__stage=Stage.SOURCED, stage_events__occurred_on__year=int(value))
