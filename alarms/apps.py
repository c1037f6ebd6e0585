from django.apps import AppConfig


class AlarmsConfig(AppConfig):
    name = "alarms"
    verbose_name = "Alarms"

    def ready(self) -> None:
        # Imported here because they need the models, which are ready only now.
        from alarms import jobs, profile_section, signals, system
        from alarms.processor import AlarmProcessor
        from history.jobs import register_job
        from poll.acquisition.processors import register_batch_processor
        from poll.profiles import register_profile_section

        signals.connect()
        system.connect()
        register_batch_processor(AlarmProcessor)
        for job in jobs.JOBS:
            register_job(job)
        register_profile_section(profile_section.KEY, profile_section.load, profile_section.export)
