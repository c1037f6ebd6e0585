from django.apps import AppConfig


class AlarmsConfig(AppConfig):
    name = "alarms"
    verbose_name = "Alarms"

    def ready(self) -> None:
        # Imported here because they need the models, which are ready only now.
        from alarms import signals
        from alarms.processor import AlarmProcessor
        from poll.acquisition.processors import register_batch_processor

        signals.connect()
        register_batch_processor(AlarmProcessor)
