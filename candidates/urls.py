from django.urls import path

from . import views, views_classes, views_imports

app_name = "candidates"

urlpatterns = [
    path("", views.candidate_list, name="list"),
    path("new/", views.candidate_create, name="create"),
    path("deadlines/", views.deadline_list, name="deadlines"),
    path("search/<slug:name>/", views.search, name="search"),
    path("<int:pk>/", views.candidate_detail, name="detail"),
    path("<int:pk>/edit/", views.candidate_edit, name="edit"),
    path("<int:pk>/step/", views.candidate_step, name="step"),
    path("<int:pk>/documents/", views.candidate_document, name="document"),
    path("<int:pk>/dossier/", views.candidate_dossier, name="dossier"),
    path("classes/", views_classes.class_list, name="class_list"),
    path("classes/new/", views_classes.class_create, name="class_create"),
    path("classes/<int:pk>/", views_classes.class_detail, name="class_detail"),
    path("classes/<int:pk>/attendees.xlsx", views_classes.class_export, name="class_export"),
    path("classes/<int:pk>/enroll/", views_classes.class_enroll, name="class_enroll"),
    path("classes/<int:pk>/add-person/", views_classes.class_add_person, name="class_add_person"),
    path("classes/<int:pk>/roster/", views_classes.class_roster, name="class_roster"),
    path("classes/<int:pk>/results/", views_classes.class_results, name="class_results"),
    path("classes/<int:pk>/unenroll/", views_classes.class_unenroll, name="class_unenroll"),
    path("classes/<int:pk>/import/", views_imports.import_roster, name="import_roster"),
    path("import/", views_imports.import_candidates, name="import"),
    path("import/template-<slug:kind>.xlsx", views_imports.import_template, name="import_template"),
    path("imports/<int:pk>/", views_imports.import_detail, name="import_detail"),
    path("imports/<int:pk>/save/", views_imports.import_save, name="import_save"),
]
