"""The rate limits' counters table (settings.RATE_LIMIT_CACHE_TABLE, Django's database cache)
without Redis: created here so that `migrate` is all a server needs."""

from django.conf import settings
from django.core.management import call_command
from django.db import migrations


def create_table(apps, schema_editor):
    # Idempotent: a table that exists is left as it is.
    call_command(
        "createcachetable",
        settings.RATE_LIMIT_CACHE_TABLE,
        database=schema_editor.connection.alias,
        verbosity=0,
    )


def drop_table(apps, schema_editor):
    table = schema_editor.quote_name(settings.RATE_LIMIT_CACHE_TABLE)
    schema_editor.execute(f"DROP TABLE IF EXISTS {table}")


class Migration(migrations.Migration):
    dependencies = [("cabinet", "0011_worker_heartbeat")]

    operations = [migrations.RunPython(create_table, drop_table)]
