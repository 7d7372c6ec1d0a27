from django.urls import path

from . import views

app_name = "candidates"

urlpatterns = [
    path("", views.candidate_list, name="list"),
    path("new/", views.candidate_create, name="create"),
    path("deadlines/", views.deadline_list, name="deadlines"),
    path("<int:pk>/", views.candidate_detail, name="detail"),
    path("<int:pk>/edit/", views.candidate_edit, name="edit"),
    path("<int:pk>/step/", views.candidate_step, name="step"),
    path("<int:pk>/documents/", views.candidate_document, name="document"),
    path("<int:pk>/dossier/", views.candidate_dossier, name="dossier"),
]
