from django.apps import AppConfig


class PollConfig(AppConfig):
    name = "poll"
    verbose_name = "Field configuration and data"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from poll import signals
        from poll.acquisition import register_built_in_sources
        from poll.roles import sync_roles_after_migrate

        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="smve-sync-roles")
        signals.connect()
        register_built_in_sources()
