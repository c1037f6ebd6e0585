from django.apps import AppConfig


class HistoryConfig(AppConfig):
    name = "history"
    verbose_name = "History"

    def ready(self) -> None:
        from history.jobs import register_job
        from history.retention import PARTITION_JOB, RETENTION_JOB
        from history.rollups import ROLLUP_JOB

        for job in (ROLLUP_JOB, PARTITION_JOB, RETENTION_JOB):
            register_job(job)
