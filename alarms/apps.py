from django.apps import AppConfig


class AlarmsConfig(AppConfig):
    name = "alarms"
    verbose_name = "Alarms"

    def ready(self) -> None:
        # Imported here because they need the models, which are ready only now.
        from alarms import profile_section, signals, system
        from alarms.processor import AlarmProcessor
        from poll.acquisition.processors import register_batch_processor
        from poll.profiles import register_profile_section

        signals.connect()
        system.connect()
        register_batch_processor(AlarmProcessor)
        register_profile_section(profile_section.KEY, profile_section.load, profile_section.export)
