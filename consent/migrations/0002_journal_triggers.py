"""Append-only triggers on the journals (see consent.triggers for the SQL and the reasons)."""

from django.db import migrations

from consent.triggers import drop_statements, statements


def create(apps, schema_editor):
    for statement in statements(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


def drop(apps, schema_editor):
    for statement in drop_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
