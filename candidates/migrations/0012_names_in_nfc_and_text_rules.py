# Names are stored in NFC and checked by candidates.text (issue 20).

import unicodedata

import candidates.text
from django.db import migrations, models

NAMED = ["candidate", "partymember"]  # their history tables keep what was stored at the time


def names_to_nfc(apps, schema_editor):
    """Names typed whole (NFC) and letter-and-marks (NFD) look alike but differ for the duplicate checks:
    store them all in NFC, as the services now do."""
    for model_name in NAMED:
        model = apps.get_model("candidates", model_name)
        if schema_editor.connection.vendor == "postgresql":
            # In the database: a country has 5.6 million party members, and few names to change.
            table = schema_editor.quote_name(model._meta.db_table)
            schema_editor.execute(f"UPDATE {table} SET full_name = normalize(full_name, NFC) WHERE full_name IS NOT NFC NORMALIZED")
            continue
        changed = [
            model(pk=pk, full_name=unicodedata.normalize("NFC", name))
            for pk, name in model.objects.values_list("pk", "full_name").iterator(chunk_size=5000)
            if not unicodedata.is_normalized("NFC", name)
        ]
        model.objects.bulk_update(changed, ["full_name"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ('candidates', '0011_export_log'),
    ]

    operations = [
        migrations.AlterField(
            model_name='candidate',
            name='full_name',
            field=models.CharField(max_length=120, validators=[candidates.text.validate_name], verbose_name='full name'),
        ),
        migrations.AlterField(
            model_name='candidate',
            name='national_id',
            field=models.CharField(blank=True, help_text='12 digits on the citizen identity card; leave empty if unknown.', max_length=12, null=True, unique=True, validators=[candidates.text.validate_national_id], verbose_name='national ID number'),
        ),
        migrations.AlterField(
            model_name='historicalcandidate',
            name='full_name',
            field=models.CharField(max_length=120, validators=[candidates.text.validate_name], verbose_name='full name'),
        ),
        migrations.AlterField(
            model_name='historicalcandidate',
            name='national_id',
            field=models.CharField(blank=True, db_index=True, help_text='12 digits on the citizen identity card; leave empty if unknown.', max_length=12, null=True, validators=[candidates.text.validate_national_id], verbose_name='national ID number'),
        ),
        migrations.AlterField(
            model_name='historicalpartymember',
            name='full_name',
            field=models.CharField(max_length=120, validators=[candidates.text.validate_name], verbose_name='full name'),
        ),
        migrations.AlterField(
            model_name='partymember',
            name='full_name',
            field=models.CharField(max_length=120, validators=[candidates.text.validate_name], verbose_name='full name'),
        ),
        migrations.RunPython(names_to_nfc, migrations.RunPython.noop, elidable=True),
    ]
