"""Give every existing account its subject (new accounts get theirs on creation, consent.apps)."""

from django.conf import settings
from django.db import migrations


def subjects_create(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    Subject = apps.get_model("consent", "Subject")
    missing = User.objects.filter(consent_subject__isnull=True).values_list("pk", flat=True)
    Subject.objects.bulk_create([Subject(user_id=pk) for pk in missing.iterator()])


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0004_access_log_chain"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(subjects_create, migrations.RunPython.noop)]
