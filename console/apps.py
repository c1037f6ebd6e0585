from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "console"
    verbose_name = "Operator console"

    def ready(self) -> None:
        from axes.signals import user_locked_out

        from console.lockout import refuse_locked_out_api_login

        user_locked_out.connect(refuse_locked_out_api_login)
