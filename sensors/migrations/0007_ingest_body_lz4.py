from django.db import migrations

# Raw bodies (up to 10,000 readings, about 1 MB) are written once per push and read once by
# the worker: lz4 compresses them about twice as fast as PostgreSQL's default pglz. Servers
# built without lz4 keep pglz.
LZ4 = """
DO $$
BEGIN
    ALTER TABLE sensors_ingestbatch ALTER COLUMN body SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN NULL;
END $$;
"""
PGLZ = "ALTER TABLE sensors_ingestbatch ALTER COLUMN body SET COMPRESSION pglz"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(LZ4)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PGLZ)


class Migration(migrations.Migration):
    dependencies = [("sensors", "0006_alert_subscription_kind")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
