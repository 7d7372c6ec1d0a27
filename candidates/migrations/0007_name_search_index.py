import logging

from django.db import DatabaseError, migrations, transaction

logger = logging.getLogger(__name__)

# The candidate list searches names with icontains: UPPER(full_name) LIKE UPPER('%…%'). On PostgreSQL a
# trigram index answers that without reading every person; pg_trgm is a trusted extension (PostgreSQL 13+).
CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS candidate_name_search ON candidates_candidate USING gin (UPPER(full_name::text) gin_trgm_ops)",
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
        # Without the extension the search still works, only slower on a large database.
        logger.warning("pg_trgm is not available: the name search will read every person.", exc_info=True)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS candidate_name_search")


class Migration(migrations.Migration):

    dependencies = [("candidates", "0006_candidate_list_order")]

    operations = [migrations.RunPython(create, drop)]
