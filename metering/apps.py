from datetime import timedelta

from django.apps import AppConfig


class MeteringConfig(AppConfig):
    name = "metering"
    verbose_name = "Energy metering"

    def ready(self) -> None:
        # Imported here because they need the models, which are ready only now.
        from history.jobs import Job, register_job
        from metering import mails, profile_section
        from metering.fixing import fix_due
        from poll.profiles import register_profile_section

        register_job(Job("metering-readings", timedelta(minutes=5), fix_due))
        for job in mails.JOBS:
            register_job(job)
        register_profile_section(profile_section.KEY, profile_section.load, profile_section.export)
