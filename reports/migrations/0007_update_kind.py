"""System-written updates become a kind + parameters, rendered in the reader's language.

Rows written before this (frozen in the language of whoever acted, French or English) are
recognised by their exact texts and converted; any other text stays as written."""

import re

from django.db import migrations, models

PATTERNS = [
    ("duplicate", re.compile(r"^Already reported as #(?P<id>\d+): follow that report instead\.$")),
    ("duplicate", re.compile(r"^Déjà signalé sous le n° (?P<id>\d+) : suivez plutôt ce signalement\.$")),
    ("fixed_by_author", re.compile(r"^Fixed, says the author\.$")),
    ("fixed_by_author", re.compile(r"^Résolu, d'après l'auteur\.$")),
    ("reopened_by_author", re.compile(r"^Reopened: the author says the problem is still there\.$")),
    ("reopened_by_author", re.compile(r"^Rouvert : d'après l'auteur, le problème est toujours là\.$")),
    (
        "recategorised",
        re.compile(r"^Category changed from (?P<old>.+?) to (?P<new>.+?); sent to (?P<department>.+)\.$"),
    ),
    (
        "recategorised",
        re.compile(r"^Catégorie changée de (?P<old>.+?) en (?P<new>.+?) ; transmis à (?P<department>.+)\.$"),
    ),
    ("withdrawn", re.compile(r"^withdrawn by author$")),
]


def _names(Category, name):
    """A category's name in both languages when it can be found, else the name as written."""
    category = (
        Category.objects.filter(name=name).first() or Category.objects.filter(name_en=name).first()
    )
    if category is None:
        return name
    return {"fr": category.name, "en": category.name_en or category.name}


def forwards(apps, schema_editor):
    Update = apps.get_model("reports", "Update")
    Category = apps.get_model("reports", "Category")
    for update in Update.objects.filter(kind="").exclude(text="").iterator():
        for kind, pattern in PATTERNS:
            match = pattern.match(update.text)
            if match is None:
                continue
            if kind == "withdrawn" and update.status_to != "hidden":
                break
            params = match.groupdict()
            if kind == "duplicate":
                params = {"id": int(params["id"])}
            elif kind == "recategorised":
                params["old"] = _names(Category, params["old"])
                params["new"] = _names(Category, params["new"])
            Update.objects.filter(pk=update.pk).update(kind=kind, params=params)
            break


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0006_category_english'),
    ]

    operations = [
        migrations.AddField(
            model_name='update',
            name='kind',
            field=models.CharField(blank=True, choices=[('', 'written by a person'), ('recategorised', 'category changed'), ('duplicate', 'duplicate'), ('fixed_by_author', 'fixed, says the author'), ('reopened_by_author', 'reopened by the author'), ('withdrawn', 'withdrawn by author')], default='', max_length=30, verbose_name='kind'),
        ),
        migrations.AddField(
            model_name='update',
            name='params',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
