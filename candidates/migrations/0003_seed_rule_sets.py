import datetime

from django.db import migrations

FORMS = ["1-KNĐ", "2-KNĐ", "3-KNĐ", "4-KNĐ", "5-KNĐ", "6-KNĐ", "8-KNĐ", "9-KNĐ", "10-KNĐ", "11-KNĐ", "12-KNĐ", "13-KNĐ"]
RULE_SETS = [
    ("29-QĐ/TW", "Quy định 29-QĐ/TW thi hành Điều lệ Đảng", datetime.date(2016, 7, 25)),
    ("24-QĐ/TW", "Quy định 24-QĐ/TW thi hành Điều lệ Đảng", datetime.date(2021, 7, 30)),
    ("232-QĐ/TW", "Quy định 232-QĐ/TW thi hành Điều lệ Đảng", datetime.date(2025, 1, 20)),
    ("294-QĐ/TW", "Quy định 294-QĐ/TW thi hành Điều lệ Đảng", datetime.date(2025, 7, 1)),
]


def seed(apps, schema_editor):
    RuleSet = apps.get_model("candidates", "RuleSet")
    for code, name, valid_from in RULE_SETS:
        RuleSet.objects.get_or_create(code=code, defaults={"name": name, "valid_from": valid_from, "required_forms": FORMS})


def unseed(apps, schema_editor):
    apps.get_model("candidates", "RuleSet").objects.filter(code__in=[code for code, *_ in RULE_SETS]).delete()


class Migration(migrations.Migration):
    dependencies = [("candidates", "0002_rules_and_dossier")]

    operations = [migrations.RunPython(seed, unseed)]
