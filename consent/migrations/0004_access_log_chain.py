"""Chain the access log like the consent ledger, and publish its daily head beside the ledger's.

Entries written before this migration are chained in (time, id) order. Their hash is computed
here with the payload ``AccessLog.chain_payload`` has (frozen: changing it would break every
chain already written). The UPDATEs need the append-only triggers off for this transaction's
table only; ``consent.triggers`` recreates them right after (and post_migrate checks again).
"""

import hashlib
import json
from datetime import UTC

from django.db import migrations, models

from consent.triggers import statements


def _canonical(entry, seq, prev):
    payload = {
        "subject": str(entry.subject_id),
        "at": entry.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "what": entry.what,
        "why": entry.why,
        "object": [entry.object_type, entry.object_id],
        "fields": list(entry.field_names),
        "channel": entry.channel,
        "actor_subject": str(entry.actor_subject_id) if entry.actor_subject_id else None,
        "actor_role": entry.actor_role,
        "actor_department": entry.actor_department,
        "actor_ref": [entry.actor_ref_type, entry.actor_ref_id],
        "actor_label": entry.actor_label,
        "seq": seq,
        "prev": prev,
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def chain_existing(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            "DROP TRIGGER IF EXISTS consent_accesslog_append_only ON consent_accesslog", params=None
        )
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS consent_accesslog_no_update", params=None)
        schema_editor.execute("DROP TRIGGER IF EXISTS consent_accesslog_no_delete", params=None)
    AccessLog = apps.get_model("consent", "AccessLog")
    prev = ""
    for seq, entry in enumerate(AccessLog.objects.order_by("at", "id").iterator(), start=1):
        digest = hashlib.sha256(_canonical(entry, seq, prev)).hexdigest()
        AccessLog.objects.filter(pk=entry.pk).update(seq=seq, prev_hash=prev, hash=digest)
        prev = digest
    for statement in statements(vendor):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("consent", "0003_exports_private_mode_heads")]

    operations = [
        migrations.AddField(
            model_name="accesslog",
            name="seq",
            field=models.PositiveBigIntegerField(editable=False, null=True, verbose_name="sequence"),
        ),
        migrations.AddField(
            model_name="accesslog",
            name="prev_hash",
            field=models.CharField(blank=True, default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="accesslog",
            name="hash",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="accesslog",
            name="seq",
            field=models.PositiveBigIntegerField(editable=False, unique=True, verbose_name="sequence"),
        ),
        migrations.AlterField(
            model_name="accesslog",
            name="hash",
            field=models.CharField(max_length=64, unique=True),
        ),
        migrations.AddField(
            model_name="ledgerhead",
            name="access_seq",
            field=models.PositiveBigIntegerField(default=0, verbose_name="last access-log entry"),
        ),
        migrations.AddField(
            model_name="ledgerhead",
            name="access_hash",
            field=models.CharField(blank=True, max_length=64, verbose_name="access-log head hash"),
        ),
    ]
