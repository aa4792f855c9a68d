from django.db import migrations

# The bands as they stood when this migration was written: later revisions are new rows.
BANDS = [
    {"level": 1, "label": "good", "colour": "#50f0e6"},
    {"level": 2, "label": "fair", "colour": "#50ccaa"},
    {"level": 3, "label": "moderate", "colour": "#f0e641"},
    {"level": 4, "label": "poor", "colour": "#ff5050"},
    {"level": 5, "label": "very_poor", "colour": "#960032"},
    {"level": 6, "label": "extremely_poor", "colour": "#7d2181"},
]
SCALES = [
    (
        "eaqi-2024",
        "European Air Quality Index (2024, WHO 2021)",
        "2024-01-01",
        True,
        {
            "pm25": [5, 15, 50, 90, 140, 800],
            "pm10": [15, 45, 120, 195, 270, 1200],
            "no2": [10, 25, 60, 100, 150, 1000],
            "o3": [60, 100, 120, 160, 180, 800],
            "so2": [20, 40, 125, 190, 275, 1250],
        },
    ),
    (
        "eaqi-2017",
        "European Air Quality Index (2017)",
        "2017-11-01",
        False,
        {
            "pm25": [10, 20, 25, 50, 75, 800],
            "pm10": [20, 40, 50, 100, 150, 1200],
            "no2": [40, 90, 120, 230, 340, 1000],
            "o3": [50, 100, 130, 240, 380, 800],
            "so2": [100, 200, 350, 500, 750, 1250],
        },
    ),
]


def install(apps, schema_editor):
    AqiScale = apps.get_model("sensors", "AqiScale")
    for code, title, valid_from, is_default, thresholds in SCALES:
        AqiScale.objects.update_or_create(
            code=code,
            defaults={
                "title": title,
                "valid_from": valid_from,
                "is_default": is_default,
                "bands": BANDS,
                "thresholds": thresholds,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("sensors", "0002_air_quality_index")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
