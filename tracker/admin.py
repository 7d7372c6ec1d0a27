from cron_descriptor import (
    ExpressionDescriptor, FormatException, MissingFieldException, Options, WrongArgumentException,
)
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import ClockedSchedule, CrontabSchedule, IntervalSchedule, PeriodicTask, SolarSchedule

from .models import ApiToken, PipelineSnapshot, ProgressSnapshot, ReportJob


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "key", "created_at"]
    readonly_fields = ["key", "created_at"]
    search_fields = ["user__username"]
    autocomplete_fields = ["user"]


@admin.register(ProgressSnapshot)
class ProgressSnapshotAdmin(admin.ModelAdmin):
    list_display = ["organization", "period_key", "admitted", "target", "computed_at"]
    list_filter = ["period_key"]
    search_fields = ["organization__name", "organization__code"]
    list_select_related = ["organization"]
    readonly_fields = [
        "organization", "period_key", "admitted", "target", "completed_on", "breakdowns", "computed_at",
    ]


@admin.register(PipelineSnapshot)
class PipelineSnapshotAdmin(admin.ModelAdmin):
    list_display = ["organization", "total", "computed_at"]
    search_fields = ["organization__name", "organization__code"]
    list_select_related = ["organization"]
    readonly_fields = ["organization", "by_stage", "total", "computed_at"]


@admin.register(ReportJob)
class ReportJobAdmin(admin.ModelAdmin):
    list_display = ["organization", "month", "status", "done", "total", "created_at", "finished_at"]
    list_filter = ["status"]


# The admin's titles name the app, in the interface's language (Django's own are "Django site admin", which
# its Vietnamese gives as "Trang web admin Django", and "Site quản trị hệ thống.").
admin.site.site_header = _("Party member development")
admin.site.site_title = _("Party member development")
admin.site.index_title = _("Administration")


# What the admin shows in English whatever the language, because the apps build it without a translation:
# the permissions' names (Django stores "Can add log entry"), and django-celery-beat's columns named after
# attributes ("Scheduler", "Human readable", "Task Name") and its crontab descriptions (in the server's
# locale). The strings the apps do mark for translation are in tracker/third_party_strings.py.
_PERMISSION_ACTIONS = {
    "add": lambda model: gettext("Can add %(model)s") % {"model": model},
    "change": lambda model: gettext("Can change %(model)s") % {"model": model},
    "delete": lambda model: gettext("Can delete %(model)s") % {"model": model},
    "view": lambda model: gettext("Can view %(model)s") % {"model": model},
}


def permission_label(permission) -> str:
    """A permission as the user and group forms list it ("app | model | what it allows"), in the active
    language: Django stores the names of the default ones in English ("Can add log entry")."""
    model = permission.content_type.model_class()
    if model is None:  # a model gone from the code
        return str(permission)
    recorded = getattr(model, "instance_type", None)  # django-simple-history's record of a model
    if recorded is not None:  # its name is "historical …", in English
        name = gettext("history of %(model)s") % {"model": recorded._meta.verbose_name}
    else:
        name = model._meta.verbose_name
    action, _underscore, model_name = permission.codename.partition("_")
    if model_name == model._meta.model_name and action in _PERMISSION_ACTIONS:
        what = _PERMISSION_ACTIONS[action](name)
    else:
        what = gettext(permission.name)
    return f"{model._meta.app_config.verbose_name} | {name} | {what}"


class PermissionsInTheLanguage:
    """Lists the permissions of a user or group form with `permission_label`."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and db_field.name in ("permissions", "user_permissions"):
            field.label_from_instance = permission_label
        return field


def _with(mixin, model) -> None:
    """Register `model` again with its admin (whichever app registered it) and `mixin` before it."""
    current = type(admin.site._registry[model])
    admin.site.unregister(model)
    admin.site.register(model, type(current.__name__, (mixin, current), {}))


_with(PermissionsInTheLanguage, User)
_with(PermissionsInTheLanguage, Group)


def cron_in_words(crontab: CrontabSchedule) -> str:
    """A crontab schedule in words, in the active language, with 24-hour times ("Tại 03:00, vào ngày 1 của
    mỗi tháng"), then its time zone; its expression when it cannot be put in words."""
    expression = " ".join(
        str(getattr(crontab, name)) for name in ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")
    )
    options = Options()
    options.locale_code = "vi_VN" if (get_language() or "vi").startswith("vi") else "en_US"
    options.use_24hour_time_format = True
    try:
        words = ExpressionDescriptor(expression, options).get_description()
    except (MissingFieldException, FormatException, WrongArgumentException):
        words = expression
    return f"{words} ({crontab.timezone})"


def schedule_in_words(schedule) -> str:
    """Any of a task's schedules as the page shows it: a crontab in words, a moment dd/mm/yyyy hh:mm in local
    time (its own name is ISO), an interval or a solar event by its name."""
    if isinstance(schedule, CrontabSchedule):
        return cron_in_words(schedule)
    if isinstance(schedule, ClockedSchedule):
        return date_format(timezone.localtime(schedule.clocked_time), "SHORT_DATETIME_FORMAT")
    return "" if schedule is None else str(schedule)


class _TaskNameFilter(admin.AllValuesFieldListFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = _("task name")


class PeriodicTaskAdmin(beat_admin.PeriodicTaskAdmin):
    list_display = ["name", "enabled", "schedule_shown", "start_time", "last_run_at", "one_off"]
    list_filter = ["enabled", "one_off", ("task", _TaskNameFilter), "start_time", "last_run_at"]

    @admin.display(description=_("Schedule"))
    def schedule_shown(self, task):
        return schedule_in_words(task.interval or task.crontab or task.solar or task.clocked)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name in ("crontab", "clocked"):
            field.label_from_instance = schedule_in_words
        return field

    @admin.display(description=_("Crontab schedule in words"))
    def crontab_translation(self, task):
        return cron_in_words(task.crontab) if task.crontab else ""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The form's script shows the chosen crontab's description: in words of the page's language.
        readable = {crontab.pk: cron_in_words(crontab) for crontab in CrontabSchedule.objects.all()}
        extra_context = {**(extra_context or {}), "readable_crontabs": readable}
        return admin.ModelAdmin.changeform_view(self, request, object_id, form_url, extra_context)


class _TasksOfTheSchedule(beat_admin.PeriodicTaskInline):
    fields = ["name", "task_name", "args", "kwargs"]
    readonly_fields = fields

    @admin.display(description=_("task name"))
    def task_name(self, task):
        return task.task


class CrontabScheduleAdmin(beat_admin.CrontabScheduleAdmin):
    inlines = [_TasksOfTheSchedule]
    list_display = ["__str__", "in_words"]
    fields = ["in_words", "minute", "hour", "day_of_month", "month_of_year", "day_of_week", "timezone"]
    readonly_fields = ["in_words"]

    @admin.display(description=_("In words"))
    def in_words(self, crontab):
        return cron_in_words(crontab)


class _ScheduleTasks:
    """The tasks on a schedule's page, with their task's name labelled in the active language."""

    inlines = [_TasksOfTheSchedule]


# A one-off schedule is named by its moment in ISO ("2026-12-04 01:29:50.204026+07:00"), and so is every task on
# it ("name: moment") in the admin's titles, breadcrumbs and lists: name it dd/mm/yyyy hh:mm in local time.
ClockedSchedule.__str__ = schedule_in_words

admin.site.unregister(PeriodicTask)
admin.site.register(PeriodicTask, PeriodicTaskAdmin)
admin.site.unregister(CrontabSchedule)
admin.site.register(CrontabSchedule, CrontabScheduleAdmin)
for _schedule in (ClockedSchedule, IntervalSchedule, SolarSchedule):
    _with(_ScheduleTasks, _schedule)
