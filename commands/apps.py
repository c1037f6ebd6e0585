"""The commands app: commands to the field, sent the safe way, with an audit trail."""

from django.apps import AppConfig


class CommandsConfig(AppConfig):
    name = "commands"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Commands"

    def ready(self) -> None:
        from commands.poller import CommandFeeder
        from commands.profile_section import export_commands, load_commands
        from poll.acquisition.requests import register_request_feeder
        from poll.profiles import register_profile_section

        register_profile_section("commands", load_commands, export_commands)
        register_request_feeder(CommandFeeder)
