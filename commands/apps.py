"""The commands app: commands to the field, sent the safe way, with an audit trail."""

from django.apps import AppConfig


class CommandsConfig(AppConfig):
    name = "commands"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Commands"
