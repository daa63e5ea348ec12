"""The database cache's table (settings.CACHE_TABLE), so that a plain `migrate` prepares the
default CACHE_URL: what `manage.py createcachetable` would create, under a fixed name."""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

TABLE = "portal_cache"


def create_cache_table(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("bases", "0003_roster")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table)]
