"""Trigram indexes for the name searches (icontains is UPPER(name) LIKE UPPER('%…%')), for migrations.

On PostgreSQL such an index answers a search without reading every row; pg_trgm is a trusted
extension (PostgreSQL 13+). Elsewhere, or where the extension cannot be created, nothing is made and
the search still works, only reading every row.
"""
import logging

from django.db import DatabaseError, migrations, transaction

logger = logging.getLogger(__name__)


def trigram_index(table: str, column: str, index: str) -> migrations.RunPython:
    def create(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        try:
            with transaction.atomic(using=schema_editor.connection.alias):
                with schema_editor.connection.cursor() as cursor:
                    cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                    cursor.execute(
                        f"CREATE INDEX IF NOT EXISTS {index} ON {table} USING gin (UPPER({column}::text) gin_trgm_ops)"
                    )
        except DatabaseError:
            logger.warning("pg_trgm is not available: searches of %s will read every row.", table, exc_info=True)

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX IF EXISTS {index}")

    return migrations.RunPython(create, drop)
