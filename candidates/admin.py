from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from tracker.admin_refusals import RefusalsOnTheForm, refusal

from . import dates, services, text
from .forms import in_window
from .models import Admission, AwarenessClass, Candidate, ClassAttendance, DayOff, DossierDocument, PartyMember, RuleSet, StageEvent
from .models import ExportLog


class StageEventInline(admin.TabularInline):
    model = StageEvent
    extra = 0
    fields = ["stage", "occurred_on", "document_number", "note", "recorded_by", "recorded_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        # Steps are recorded through the candidate page so that the rules apply.
        return False


class CandidateAdminForm(forms.ModelForm):
    class Meta:
        model = Candidate
        fields = "__all__"

    def clean_home_cell(self):
        cell = self.cleaned_data["home_cell"]
        if cell != getattr(self.instance, "home_cell", None):
            services.require_active_cell(cell)
        return cell

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        if self.instance.pk:
            return in_window(born, services.birth_date_change_error(self.instance, born))
        return in_window(born, dates.birth_date_error(born))

    def clean_full_name(self):
        return text.normalize_name(self.cleaned_data["full_name"])  # then the model's validators check it


class PartyMemberAdminForm(forms.ModelForm):
    class Meta:
        model = PartyMember
        fields = "__all__"

    def clean_full_name(self):
        return text.normalize_name(self.cleaned_data["full_name"])  # then the model's validators check it


@admin.register(Candidate)
class CandidateAdmin(SimpleHistoryAdmin):
    form = CandidateAdminForm
    list_display = ["full_name", "date_of_birth", "occupation_category", "home_cell", "stage", "stage_date"]
    list_filter = ["stage", "occupation_category", "gender", "education_level", "source", "home_cell__sector"]
    search_fields = ["full_name", "national_id", "home_cell__name", "home_cell__code"]
    autocomplete_fields = ["home_cell", "mentors"]
    readonly_fields = ["stage", "stage_date", "created_at", "updated_at"]
    date_hierarchy = "stage_date"
    inlines = [StageEventInline]

    def save_model(self, request, obj, form, change):
        if change:
            # Through the service: a new cell moves the person's pipeline figures with them.
            services.candidate_update(candidate=obj, data=form.cleaned_data, acting_user=request.user)
            return
        candidate = services.candidate_create(
            full_name=obj.full_name,
            date_of_birth=obj.date_of_birth,
            gender=obj.gender,
            ethnicity=obj.ethnicity,
            religion=obj.religion,
            education_level=obj.education_level,
            national_id=obj.national_id,
            occupation_category=obj.occupation_category,
            home_cell=obj.home_cell,
            source=obj.source,
            notes=obj.notes,
            sourced_on=timezone.localdate(),
            acting_user=request.user,
        )
        obj.pk = candidate.pk

    def delete_model(self, request, obj):
        services.candidate_delete(candidate=obj, acting_user=request.user)

    def delete_queryset(self, request, queryset):
        for candidate in queryset:
            services.candidate_delete(candidate=candidate, acting_user=request.user)


@admin.register(PartyMember)
class PartyMemberAdmin(SimpleHistoryAdmin):
    form = PartyMemberAdminForm
    list_display = ["full_name", "organization", "admitted_on", "full_member_on", "card_number"]
    search_fields = ["full_name", "card_number", "organization__name"]
    autocomplete_fields = ["organization"]


class AwarenessClassAdminForm(forms.ModelForm):
    class Meta:
        model = AwarenessClass
        fields = "__all__"

    def clean_start_date(self):
        return in_window(self.cleaned_data["start_date"], dates.planned_date_error(self.cleaned_data["start_date"]))

    def clean_end_date(self):
        return in_window(self.cleaned_data["end_date"], dates.planned_date_error(self.cleaned_data["end_date"]))


class ClassAttendanceInline(admin.TabularInline):
    model = ClassAttendance
    extra = 0
    autocomplete_fields = ["candidate"]


@admin.register(AwarenessClass)
class AwarenessClassAdmin(SimpleHistoryAdmin):
    form = AwarenessClassAdminForm
    list_display = ["name", "organizer", "start_date", "end_date", "place", "attendee_count"]
    list_filter = ["organizer"]
    search_fields = ["name", "place", "organizer__name"]
    autocomplete_fields = ["organizer"]
    date_hierarchy = "start_date"
    inlines = [ClassAttendanceInline]

    @admin.display(description=_("attendees"))
    def attendee_count(self, obj):
        return obj.attendances.count()


class AdmissionAdminForm(forms.ModelForm):
    class Meta:
        model = Admission
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.admitted_on and "admitted_on" in self.fields:
            # A recorded ceremony is corrected, not taken back.
            self.fields["admitted_on"].required = True

    def clean(self):
        cleaned = super().clean()
        cell = cleaned.get("cell")
        if cell is not None and not self.instance.pk:
            try:
                services.require_active_cell(cell)
            except ValidationError as error:
                self.add_error("cell", error)
            candidate = cleaned.get("candidate")
            if candidate is not None and Admission.objects.filter(candidate=candidate).exists():
                self.add_error("candidate", _("%(name)s has already been admitted.") % {"name": candidate.full_name})
            for field in ("decision_date", "admitted_on"):
                if cleaned.get(field) and candidate is not None:
                    error = dates.step_date_error(cleaned[field], born=candidate.date_of_birth)
                    if error:
                        self.add_error(field, error)
        return cleaned


# What an admission counts by, corrected through `services.admission_correct` (its credits follow).
CORRECTED_FIELDS = ("cell", "admitted_on", "occupation_category")


@admin.register(Admission)
class AdmissionAdmin(RefusalsOnTheForm, SimpleHistoryAdmin):
    form = AdmissionAdminForm
    list_display = ["candidate", "cell", "decision_number", "decision_date", "admitted_on", "outcome"]
    list_filter = ["outcome", "occupation_category", "cell__sector"]
    search_fields = ["candidate__full_name", "candidate__national_id", "decision_number", "cell__name"]
    autocomplete_fields = ["candidate", "cell"]
    date_hierarchy = "admitted_on"
    readonly_fields = ["occupation_category", "probation_ends_on", "recorded_by", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        # The cell, the ceremony date and the occupation are corrected through the service (the credits
        # follow); the outcome is recorded on the candidate page (it checks the procedure and keeps the
        # candidate's steps in step), and so is a ceremony not recorded yet.
        fixed = [name for name in self.readonly_fields if name != "occupation_category"]
        fixed += ["candidate", "decision_date", "outcome", "outcome_on", "outcome_decision_number"]
        if obj.admitted_on is None:
            fixed.append("admitted_on")
        return fixed

    def save_model(self, request, obj, form, change):
        if change:
            with transaction.atomic():
                self._change(request, obj, form)
            obj.refresh_from_db()
            return
        try:
            admission = services.admission_record(
                candidate=obj.candidate,
                cell=obj.cell,
                decision_number=obj.decision_number,
                decision_date=obj.decision_date,
                admitted_on=obj.admitted_on,
                acting_user=request.user,
            )
        except ValidationError as error:
            raise refusal(error, form.fields) from None
        obj.pk = admission.pk

    def _change(self, request, obj, form):
        stored = Admission.objects.select_for_update().get(pk=obj.pk)
        corrections = {
            name: form.cleaned_data[name]
            for name in CORRECTED_FIELDS
            if name in form.cleaned_data and form.cleaned_data[name] != getattr(stored, name)
        }
        if corrections:
            try:
                services.admission_correct(admission=stored, acting_user=request.user, **corrections)
            except ValidationError as error:
                raise refusal(error, form.fields) from None
        # The other fields as they are (a decision number typed wrong), on the row as corrected.
        others = [name for name in form.changed_data if name not in CORRECTED_FIELDS and name in form.cleaned_data]
        if others:
            stored = Admission.objects.get(pk=obj.pk)
            for name in others:
                setattr(stored, name, getattr(obj, name))
            stored._history_user = request.user
            stored.save(update_fields=others)

    def has_delete_permission(self, request, obj=None):
        # Deleting would leave the person's steps, credits and figures saying otherwise; admissions stay.
        return False


@admin.register(RuleSet)
class RuleSetAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "valid_from", "min_age_months", "vote_numerator", "vote_denominator"]
    search_fields = ["code", "name"]


@admin.register(DayOff)
class DayOffAdmin(admin.ModelAdmin):
    list_display = ["date", "name"]
    date_hierarchy = "date"


class DossierDocumentAdminForm(forms.ModelForm):
    class Meta:
        model = DossierDocument
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        candidate, received_on = cleaned.get("candidate"), cleaned.get("received_on")
        if candidate is not None and received_on:
            error = dates.step_date_error(received_on, born=candidate.date_of_birth)
            if error:
                self.add_error("received_on", error)
        return cleaned


@admin.register(DossierDocument)
class DossierDocumentAdmin(SimpleHistoryAdmin):
    form = DossierDocumentAdminForm
    list_display = ["candidate", "form_code", "received_on", "document_number", "introducer"]
    list_filter = ["form_code"]
    search_fields = ["candidate__full_name", "document_number"]
    autocomplete_fields = ["candidate", "introducer"]


@admin.register(ExportLog)
class ExportLogAdmin(admin.ModelAdmin):
    """Read-only: a log that its readers could edit would account for nothing."""

    list_display = ["exported_at", "username", "kind", "subject", "people"]
    list_filter = ["kind"]
    search_fields = ["username", "subject"]
    date_hierarchy = "exported_at"
    fields = ["exported_at", "username", "user", "kind", "subject", "people"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
