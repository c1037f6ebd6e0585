from django.apps import AppConfig


class HmiConfig(AppConfig):
    name = "hmi"
    verbose_name = "Screens and formulas"
