"""Give every existing profile the default palette (new profiles get it when created)."""

from django.db import migrations


def add_default_palettes(apps, schema_editor):
    from hmi.palette import create_default_colours

    Colour = apps.get_model("hmi", "Colour")
    for profile in apps.get_model("poll", "Profile").objects.all():
        create_default_colours(Colour, profile)


class Migration(migrations.Migration):
    dependencies = [("hmi", "0002_palette_element_current_screen_links")]

    operations = [migrations.RunPython(add_default_palettes, migrations.RunPython.noop)]
