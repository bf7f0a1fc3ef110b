"""The key sequence: a PostgreSQL sequence; SQLite uses the KeyBlock row instead (see keys.py)."""

from django.db import migrations


def create_sequence(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE SEQUENCE IF NOT EXISTS engine_key_seq START 1")
    else:
        apps.get_model("engine", "KeyBlock").objects.get_or_create(id=1, defaults={"next_block": 1})


def drop_sequence(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP SEQUENCE IF EXISTS engine_key_seq")


class Migration(migrations.Migration):
    dependencies = [("engine", "0001_initial")]

    operations = [migrations.RunPython(create_sequence, drop_sequence)]
