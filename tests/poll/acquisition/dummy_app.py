"""The app that registers the dummy source and its batch processor at start-up, as an app
registers a real one (tests/poll/acquisition/dummy_source.py)."""

from __future__ import annotations

from django.apps import AppConfig


class DummySourceApp(AppConfig):
    name = "tests.poll.acquisition.dummy_app"
    label = "dummy_source"

    def ready(self) -> None:
        from poll.acquisition.processors import register_batch_processor
        from poll.acquisition.sources import register_source

        from .dummy_source import DummySource, ElementMarker

        register_source(DummySource())
        register_batch_processor(ElementMarker)
