from django.apps import AppConfig


class HmiConfig(AppConfig):
    name = "hmi"
    verbose_name = "Screens and formulas"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from hmi.signals import give_new_profile_a_palette
        from poll.models import Profile

        post_save.connect(
            give_new_profile_a_palette, sender=Profile, dispatch_uid="smve-default-palette"
        )
