from django.apps import AppConfig


class HistoryConfig(AppConfig):
    name = "history"
    verbose_name = "History"

    def ready(self) -> None:
        from history.jobs import register_job
        from history.rollups import ROLLUP_JOB

        register_job(ROLLUP_JOB)
