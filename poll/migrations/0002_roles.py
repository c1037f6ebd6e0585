"""Create the role groups (viewer, operator, engineer) with their permissions."""

from django.db import migrations


def create_roles(apps, schema_editor):
    from poll.roles import sync_roles

    sync_roles(apps)


def remove_roles(apps, schema_editor):
    from poll.roles import ROLE_NAMES

    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_NAMES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("poll", "0001_field_model"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
