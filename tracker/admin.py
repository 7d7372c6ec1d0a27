from django.contrib import admin

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
