import logging

from django.db import DatabaseError, migrations, transaction

logger = logging.getLogger(__name__)

# The forms' search of cells and committees (candidates.views.search) matches names with icontains:
# on PostgreSQL a trigram index answers it without reading the country's 310,000 organizations.
CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS organization_name_search ON cells_organization USING gin (UPPER(name::text) gin_trgm_ops)",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            with schema_editor.connection.cursor() as cursor:
                for statement in CREATE:
                    cursor.execute(statement)
    except DatabaseError:
        logger.warning("pg_trgm is not available: the search of organizations will read every one.", exc_info=True)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS organization_name_search")


class Migration(migrations.Migration):

    dependencies = [("cells", "0003_restructured_on")]

    operations = [migrations.RunPython(create, drop)]
