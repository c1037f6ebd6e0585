from django.apps import AppConfig


class HmiConfig(AppConfig):
    name = "hmi"
    verbose_name = "Screens and formulas"

    def ready(self) -> None:
        # Imported here because they need the models, which are ready only now.
        from hmi import signals
        from hmi.poller_formulas import FormulaProcessor
        from poll.acquisition.processors import register_batch_processor

        signals.connect()
        register_batch_processor(FormulaProcessor)
