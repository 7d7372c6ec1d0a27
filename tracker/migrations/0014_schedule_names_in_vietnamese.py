from django.db import migrations

# The schedules' names as 0002 and 0012 wrote them, and as the admin's list of periodic tasks shows them now,
# by task. A schedule an administrator has renamed keeps its name.
NAMES = {
    "tracker.tasks.recompute_all": ("Nightly recompute of all progress figures", "Tính lại toàn bộ số liệu tiến độ hằng đêm"),
    "tracker.tasks.monthly_reports_for_all": ("Monthly reports of last month", "Báo cáo tháng trước của mọi tổ chức"),
    "tracker.tasks.recompute_sweep": ("Recompute of the changes left pending", "Tính lại các thay đổi còn chờ"),
}


def rename(apps, schema_editor, *, backwards=False):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for task, (english, vietnamese) in NAMES.items():
        old, new = (vietnamese, english) if backwards else (english, vietnamese)
        PeriodicTask.objects.filter(task=task, name=old).update(name=new)


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0013_verbose_names"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(rename, lambda apps, schema_editor: rename(apps, schema_editor, backwards=True)),
    ]
