from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views


tracker_patterns = [
    path("", views.home, name="home"),
    path("org/<slug:code>/", views.dashboard, name="dashboard"),
    path("org/<slug:code>/report/", views.monthly_report, name="report"),
    path("org/<slug:code>/targets/", views.targets_edit, name="targets"),
    path("org/<slug:code>/report/jobs/", views.report_job_start, name="report_job_start"),
    path("reports/<int:pk>/", views.report_job, name="report_job"),
    path("api/v1/progress/", views.api_progress, name="api_progress"),
    path("changes/", views.recent_changes, name="recent_changes"),
]

urlpatterns = [
    path("", include((tracker_patterns, "tracker"))),
    path("candidates/", include("candidates.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
