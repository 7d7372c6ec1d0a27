from django.db import migrations


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    first_of_month, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="3", day_of_week="*", day_of_month="1", month_of_year="*", timezone="Asia/Ho_Chi_Minh"
    )
    PeriodicTask.objects.update_or_create(
        name="Monthly reports of last month",
        defaults={"task": "tracker.tasks.monthly_reports_for_all", "crontab": first_of_month, "enabled": True},
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task="tracker.tasks.monthly_reports_for_all").delete()


class Migration(migrations.Migration):
    dependencies = [("tracker", "0003_tokens_and_report_jobs")]

    operations = [migrations.RunPython(schedule, unschedule)]
