import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.widgets import AdminDateWidget
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Prefetch
from django.http import HttpResponse, HttpResponseBadRequest
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from treebeard.admin import TreeAdmin

from tracker.admin_refusals import RefusalsOnTheForm, refusal
from tracker.change_reasons import reason_display
from tracker.widgets import SearchSelect, search_response

from . import services
from .dates import planned_date_error
from .models import (
    ALLOWED_PARENT_KINDS, CELL_KINDS, Organization, OrganizationRole, Placement, Target, Term, validate_placement,
)
from .selectors import ORGANIZATION_SEARCH_ORDER, active_on, organization_label, organization_matches, units_of

# The codes of `validate_placement`'s refusals: about the kind of an organization and where it sits.
PLACEMENT_ERROR_CODES = {"bad_parent", "bad_root", "cell_has_children"}


def parent_kinds(kind: str | None) -> list[str] | None:
    """The kinds of organization that may hold one of `kind` (ALLOWED_PARENT_KINDS), or None for a kind not
    chosen yet (or unknown): then any organization that may hold something, that is any but a cell."""
    if kind not in ALLOWED_PARENT_KINDS:
        return None
    return sorted(str(parent) for parent in ALLOWED_PARENT_KINDS[kind] if parent)


def possible_parents(kind: str | None = None):
    """The active organizations an organization of `kind` may sit under."""
    kinds = parent_kinds(kind)
    found = Organization.objects.filter(is_active=True).exclude(kind__in=CELL_KINDS)
    return found if kinds is None else found.filter(kind__in=kinds)


class ParentSelect(SearchSelect):
    """The parent field: each option says its kind, and the field the kinds each kind may sit under, so that
    static/js/parent-choices.js offers only the parents the chosen kind allows (and searches with `kind=`)."""

    class Media:
        js = ["js/parent-choices.js"]

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-kind"] = instance.kind
        return option


class OrganizationForm(forms.ModelForm):
    parent = forms.ModelChoiceField(
        label=capfirst(_("parent organization")),
        queryset=Organization.objects.filter(is_active=True).order_by("path"),
        required=False,
        help_text=_(
            "Leave empty for the top of the tree. Changing it moves the whole subtree from the day given in "
            "“effective on”."
        ),
    )
    # Only on the change form: an organization created here has always been there as far as the figures go.
    effective_on = forms.DateField(
        label=capfirst(_("effective on")),
        initial=timezone.localdate,
        widget=AdminDateWidget,
        help_text=_(
            "A change of parent, name, kind or sector takes effect from this day; "
            "the figures of earlier days keep the old tree."
        ),
    )

    class Meta:
        model = Organization
        fields = ["code", "name", "kind", "sector", "parent"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.current_parent = None
        if self.instance.pk:
            self.current_parent = Organization.objects.get_parent(self.instance)
            self.fields["parent"].initial = self.current_parent
        else:
            del self.fields["effective_on"]
            self.fields["parent"].help_text = _("Leave empty for the top of the tree.")
        # Offered: the organizations that may hold the kind (the one posted is checked against every active one, so
        # that a wrong choice gets validate_placement's message rather than "not one of the available choices").
        field = self.fields["parent"]
        if not self.is_bound:
            kind = self.instance.kind if self.instance.pk else self.initial.get("kind")
            offered = possible_parents(kind)
            if self.current_parent is not None:
                offered = offered | Organization.objects.filter(pk=self.current_parent.pk)
            field.queryset = offered.order_by("path")
        # A country's 310,000 organizations: 19 MB of options in one page.
        field.widget.attrs["class"] = "vTextField"  # as wide as the admin's text fields
        widget = ParentSelect(reverse("admin:cells_organization_search"), organization_label, attrs=field.widget.attrs)
        widget.attrs["data-parent-kinds"] = json.dumps({kind: parent_kinds(kind) for kind in ALLOWED_PARENT_KINDS})
        widget.is_required = field.required
        widget.choices = field.choices
        field.widget = widget

    def clean_effective_on(self):
        day = self.cleaned_data["effective_on"]
        if error := planned_date_error(day):
            raise ValidationError(error)
        return day

    def clean(self):
        cleaned = super().clean()
        kind, parent, day = cleaned.get("kind"), cleaned.get("parent"), cleaned.get("effective_on")
        if self.instance.pk and day and parent != self.current_parent and not active_on(self.instance, day):
            # Said next to the date: the move's own refusals are about the new parent.
            self.add_error(
                "effective_on",
                _("%(name)s is not active on %(date)s.") % {"name": self.instance.name, "date": day.strftime("%d/%m/%Y")},
            )
        if not kind:
            return cleaned
        try:
            validate_placement(kind, parent)
        except ValidationError as error:
            self.add_error("parent", error)
        if self.instance.pk:
            if parent is not None and parent.path.startswith(self.instance.path):
                self.add_error("parent", _("An organization cannot be moved under itself or one of its own units."))
            for child in units_of(self.instance):
                if kind not in ALLOWED_PARENT_KINDS[child.kind]:
                    self.add_error(
                        "kind",
                        _("%(child)s (%(child_kind)s) cannot sit under a %(kind)s.")
                        % {
                            "child": child.name,
                            "child_kind": child.get_kind_display(),
                            "kind": Organization.Kind(kind).label,
                        },
                    )
                    break
        return cleaned


class OrganizationActionForm(ActionForm):
    other_code = forms.SlugField(label=_("merge into (code)"), required=False)
    effective_on = forms.DateField(label=_("effective on"), required=False)


class PlacementInline(admin.TabularInline):
    """The organization's history in the tree, read only: the restructurings write it (`services`)."""

    model = Placement
    fk_name = "organization"
    fields = ["starts", "ends", "parent", "name", "kind", "sector", "is_active", "why"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    empty_value_display = "—"

    def get_queryset(self, request):
        # Explicitly first: PostgreSQL sorts an empty date last, SQLite first.
        return super().get_queryset(request).select_related("parent").order_by(F("valid_from").asc(nulls_first=True))

    @admin.display(description=Placement._meta.get_field("valid_from").verbose_name)
    def starts(self, placement):
        return date_format(placement.valid_from, "SHORT_DATE_FORMAT") if placement.valid_from else _("(from the start)")

    @admin.display(description=Placement._meta.get_field("valid_to").verbose_name)
    def ends(self, placement):
        return date_format(placement.valid_to, "SHORT_DATE_FORMAT") if placement.valid_to else "—"

    @admin.display(description=Placement._meta.get_field("reason").verbose_name)
    def why(self, placement):
        return reason_display(placement.reason)  # stored in English, read in the page's language

    def has_view_permission(self, request, obj=None):
        # Whoever may see the organization sees its history (there is no admin page of placements).
        return request.user.has_perm("cells.view_organization") or request.user.has_perm("cells.change_organization")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _update_error_field(error: ValidationError) -> str:
    """Where a refusal of `organization_update` without a field of its own is shown: a kind that cannot sit
    where the organization is next to the kind; anything else (the date is before the organization
    existed) next to the date."""
    return "kind" if error.code in PLACEMENT_ERROR_CODES else "effective_on"


@admin.register(Organization)
class OrganizationAdmin(RefusalsOnTheForm, TreeAdmin, SimpleHistoryAdmin):
    form = OrganizationForm
    action_form = OrganizationActionForm
    list_display = ["name", "code", "kind", "sector", "is_active"]
    list_filter = ["kind", "sector", "is_active"]
    search_fields = ["name", "code"]
    readonly_fields = ["is_active", "deactivated_on", "merged_into"]
    actions = ["deactivate", "merge"]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return fields if obj is not None else [name for name in fields if name != "effective_on"]

    def get_inlines(self, request, obj):
        return [PlacementInline] if obj is not None else []

    def save_model(self, request, obj, form, change):
        parent = form.cleaned_data.get("parent")
        if not change:
            try:
                created = services.organization_create(
                    code=obj.code, name=obj.name, kind=obj.kind, sector=obj.sector, parent=parent, acting_user=request.user
                )
            except ValidationError as error:
                raise refusal(error, form.fields, "parent") from None
            obj.pk, obj.path, obj.depth = created.pk, created.path, created.depth
            return
        with transaction.atomic():
            self._change(request, obj, form, parent)
        obj.refresh_from_db()

    def _change(self, request, obj, form, parent):
        """Save a change through the services: the parent, name, kind and sector from the effective date
        (their placements), the code as it is (it is no part of the history)."""
        effective_on = form.cleaned_data["effective_on"]
        stored = Organization.objects.select_for_update().get(pk=obj.pk)
        if stored.code != obj.code:
            stored.code = obj.code
            stored._history_user = request.user
            stored._change_reason = "code changed"
            stored.save(update_fields=["code"])
        old_parent = Organization.objects.get_parent(stored)
        moving = (old_parent.pk if old_parent else None) != (parent.pk if parent else None)
        updating = (obj.name, obj.kind, obj.sector) != (stored.name, stored.kind, stored.sector)

        def move():
            try:
                services.organization_move(
                    organization=stored, new_parent=parent, effective_on=effective_on, acting_user=request.user
                )
            except ValidationError as error:
                raise refusal(error, form.fields, "parent") from None

        def update():
            try:
                services.organization_update(
                    organization=stored, name=obj.name, kind=obj.kind, sector=obj.sector,
                    effective_on=effective_on, acting_user=request.user,
                )
            except ValidationError as error:
                raise refusal(error, form.fields, _update_error_field) from None

        steps = [step for step, wanted in ((move, moving), (update, updating)) if wanted]
        if moving and updating and obj.kind != stored.kind:
            # Each service checks its change against the other value as it stands: the move first when
            # the old kind may sit under the new parent, otherwise the new kind under the old parent first.
            try:
                validate_placement(stored.kind, parent)
            except ValidationError:
                steps.reverse()
        for step in steps:
            step()

    def get_urls(self):
        search = path("search/", self.admin_site.admin_view(self.search_view), name="cells_organization_search")
        return [search, *super().get_urls()]

    def search_view(self, request):
        """The parent field's search (tracker.widgets.SearchSelect): active organizations that may hold
        something, with `kind=`: those that may hold an organization of that kind."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        query = request.GET.get("q", "").strip()
        found = possible_parents(request.GET.get("kind")).filter(organization_matches(query))
        return search_response(found.order_by(*ORGANIZATION_SEARCH_ORDER), query, organization_label)

    def move_node(self, request):
        """Drag and drop in the tree goes through the same service as the form."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        try:
            node = Organization.objects.get(pk=request.POST.get("node"))
            target = Organization.objects.get(pk=request.POST.get("target"))
        except (Organization.DoesNotExist, ValueError):
            return HttpResponseBadRequest("Invalid form data provided")
        new_parent = target if request.POST.get("relation") == "child" else Organization.objects.get_parent(target)
        try:
            with transaction.atomic():
                services.organization_move(
                    organization=node, new_parent=new_parent, effective_on=timezone.localdate(), acting_user=request.user
                )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return HttpResponseBadRequest("Move refused")
        messages.info(request, _("Moved %(node)s under %(parent)s.") % {"node": node, "parent": new_parent or "—"})
        return HttpResponse("OK")

    @admin.action(description=_("Deactivate the selected organizations (their history stays)"))
    def deactivate(self, request, queryset):
        effective_on = self._effective_on(request)
        if effective_on is None:
            return
        for organization in queryset:
            try:
                with transaction.atomic():
                    services.organization_deactivate(
                        organization=organization, effective_on=effective_on, acting_user=request.user
                    )
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                self.message_user(request, _("%(name)s deactivated.") % {"name": organization.name})

    @admin.action(description=_("Merge the selected organizations into the one whose code is given"))
    def merge(self, request, queryset):
        code = request.POST.get("other_code", "").strip()
        into = Organization.objects.filter(code=code).first()
        if into is None:
            self.message_user(request, _("Give the code of the organization to merge into."), messages.ERROR)
            return
        effective_on = self._effective_on(request)
        if effective_on is None:
            return
        for organization in queryset:
            try:
                with transaction.atomic():
                    services.organization_merge(
                        source=organization, into=into, effective_on=effective_on, acting_user=request.user
                    )
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                self.message_user(request, _("%(a)s merged into %(b)s.") % {"a": organization.name, "b": into.name})

    def _effective_on(self, request):
        """The typed effective date (today when left empty), or None once the user is told why it is refused."""
        field = forms.DateField(required=False)
        try:
            day = field.clean(request.POST.get("effective_on")) or timezone.localdate()
        except ValidationError:
            day = timezone.localdate()
        if error := planned_date_error(day):
            self.message_user(request, error, messages.ERROR)
            return None
        return day


@admin.register(Term)
class TermAdmin(RefusalsOnTheForm, admin.ModelAdmin):
    list_display = ["label", "start_date", "end_date"]

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        # Through the service: the term's figures were counted on its old dates.
        try:
            services.term_update(term=obj, start_date=obj.start_date, end_date=obj.end_date, acting_user=request.user)
        except ValidationError as error:
            raise refusal(error, form.fields) from None


@admin.register(Target)
class TargetAdmin(SimpleHistoryAdmin):
    list_display = ["organization", "year", "term", "count", "resolution"]
    list_filter = ["year", "term", "organization__kind"]
    search_fields = ["organization__name", "organization__code", "resolution"]
    autocomplete_fields = ["organization"]

    def save_model(self, request, obj, form, change):
        target = services.target_set(
            organization=obj.organization,
            year=obj.year,
            term=obj.term,
            count=obj.count,
            resolution=obj.resolution,
            acting_user=request.user,
        )
        obj.pk = target.pk


class RolesColumn:
    """A column of the users' list with each user's roles ("Secretary – Đảng bộ xã Tân Đông"), read for the
    whole page in one query besides the users'."""

    def get_list_display(self, request):
        return [*super().get_list_display(request), "roles"]

    def get_queryset(self, request):
        roles = OrganizationRole.objects.select_related("organization").order_by("organization__path", "role")
        return super().get_queryset(request).prefetch_related(Prefetch("organization_roles", queryset=roles))

    @admin.display(description=_("roles"))
    def roles(self, user):
        held = user.organization_roles.all()
        if not held:
            return "—"
        return format_html_join(
            mark_safe("<br>"), "{} – {}", ((role.get_role_display(), role.organization.name) for role in held)
        )


class OrganizationRoleInline(admin.TabularInline):
    model = OrganizationRole
    extra = 1
    autocomplete_fields = ["organization"]


class UserNamesForm(UserChangeForm):
    """Says which of Django's two name fields holds what of a Vietnamese name: "first name" is the given name
    (An), written last; "last name" the family and middle names (Nguyễn Văn), written first."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "last_name" in self.fields:
            self.fields["last_name"].label = _("family and middle names")
            self.fields["last_name"].help_text = _("The words before the given name: “Nguyễn Văn” in Nguyễn Văn An.")
        if "first_name" in self.fields:
            self.fields["first_name"].label = _("given name")
            self.fields["first_name"].help_text = _("The last word of the name: “An” in Nguyễn Văn An.")


class UserWithRolesAdmin(RolesColumn, UserAdmin):
    """Users and, on the same page, the organizations they hold roles on."""

    form = UserNamesForm
    inlines = [*UserAdmin.inlines, OrganizationRoleInline]
    # The name as it is written: family and middle names, then the given name.
    fieldsets = [
        (title, {**options, "fields": [
            "last_name" if field == "first_name" else "first_name" if field == "last_name" else field
            for field in options["fields"]
        ]})
        for title, options in UserAdmin.fieldsets
    ]
    list_display = ["username", "family_names", "given_name", "email", "is_staff"]

    @admin.display(description=_("family and middle names"), ordering="last_name")
    def family_names(self, user):
        return user.last_name

    @admin.display(description=_("given name"), ordering="first_name")
    def given_name(self, user):
        return user.first_name


admin.site.unregister(User)
admin.site.register(User, UserWithRolesAdmin)


@admin.register(OrganizationRole)
class OrganizationRoleAdmin(SimpleHistoryAdmin):
    list_display = ["user", "role", "organization"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "organization__name"]
    autocomplete_fields = ["user", "organization"]
