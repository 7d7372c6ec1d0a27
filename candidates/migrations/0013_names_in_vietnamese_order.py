# Lists in the order Vietnamese readers expect (issue 22): a sort key from the name, given name first.

import io

from django.db import migrations, models

from candidates.text import sort_key

NAMED = ["candidate", "partymember"]


def write_sort_keys(apps, schema_editor):
    """Each person's key, computed from their name as the models do on save."""
    connection = schema_editor.connection
    for model_name in NAMED:
        model = apps.get_model("candidates", model_name)
        table = schema_editor.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # A country has 5.6 million party members and far fewer different names: one key per name,
                # copied into a temporary table, then one UPDATE joining it.
                names = model.objects.order_by().values_list("full_name", flat=True).distinct().iterator(chunk_size=20000)
                rows = io.StringIO()
                for name in names:
                    rows.write(f"{_copy_text(name)}\t{sort_key(name)}\n")
                rows.seek(0)
                cursor.execute("CREATE TEMPORARY TABLE name_sort_keys (full_name text PRIMARY KEY, sort_name text) ON COMMIT DROP")
                cursor.cursor.copy_expert("COPY name_sort_keys (full_name, sort_name) FROM STDIN", rows)
                cursor.execute(
                    f"UPDATE {table} SET sort_name = keys.sort_name FROM name_sort_keys keys WHERE {table}.full_name = keys.full_name"
                )
                cursor.execute("DROP TABLE name_sort_keys")
                continue
            pairs = model.objects.order_by().values_list("pk", "full_name").iterator(chunk_size=5000)
            cursor.executemany(f"UPDATE {table} SET sort_name = %s WHERE id = %s", ((sort_key(name), pk) for pk, name in pairs))


def _copy_text(value: str) -> str:
    """A value in COPY's text format."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class Migration(migrations.Migration):

    dependencies = [
        ('candidates', '0012_names_in_nfc_and_text_rules'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='candidate',
            options={'ordering': ['sort_name', 'pk'], 'verbose_name': 'candidate', 'verbose_name_plural': 'candidates'},
        ),
        migrations.AlterModelOptions(
            name='partymember',
            options={'ordering': ['sort_name', 'pk'], 'verbose_name': 'party member', 'verbose_name_plural': 'party members'},
        ),
        migrations.RemoveIndex(
            model_name='candidate',
            name='candidate_list_order',
        ),
        migrations.AddField(
            model_name='candidate',
            name='sort_name',
            field=models.CharField(default='', editable=False, max_length=1400, verbose_name='sort key'),
        ),
        migrations.AddField(
            model_name='partymember',
            name='sort_name',
            field=models.CharField(default='', editable=False, max_length=1400, verbose_name='sort key'),
        ),
        migrations.RunPython(write_sort_keys, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name='candidate',
            index=models.Index(fields=['sort_name', 'id'], name='candidate_name_order'),
        ),
    ]
