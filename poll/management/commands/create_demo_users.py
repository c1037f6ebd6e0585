from typing import Any

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand

from poll.roles import ROLE_NAMES, STAFF_ROLES


class Command(BaseCommand):
    help = (
        "Create the demo users viewer, operator, engineer and admin, each with its name as "
        "password; only engineer and admin may open the admin. For demonstrations only: "
        "never run this on a production site."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for name in (*ROLE_NAMES, "admin"):
            user, _ = User.objects.get_or_create(username=name)
            user.is_staff = name in STAFF_ROLES or name == "admin"
            user.is_superuser = name == "admin"
            user.set_password(name)
            user.save()
            if name in ROLE_NAMES:
                user.groups.set([Group.objects.get(name=name)])
        self.stdout.write("Demo logins (user / password):")
        for name in (*ROLE_NAMES, "admin"):
            self.stdout.write(f"  {name} / {name}")
