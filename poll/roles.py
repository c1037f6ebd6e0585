"""Roles as Django groups: viewer, operator, engineer, and the service provider of energy
metering (superusers have every right).

The table below is the single statement of who may do what. A data migration creates the
groups, and after every ``migrate`` they are brought in line with it again, so that the
permissions of models added later by other apps join the right roles.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

# Apps whose data every role may read.
READABLE_APPS = ("poll", "hmi", "alarms", "metering")

# Rights added to reading, per role; each role also has the rights of the one before it.
OPERATOR_PERMISSIONS = (
    "poll.acknowledge_event",
    "poll.send_command",
    "alarms.acknowledge_alarm",
    "alarms.shelve_alarm",
)
# Rights an engineer has beyond editing the configuration.
ENGINEER_PERMISSIONS = ("alarms.remove_alarm_from_service",)

# Models that make up the configuration an engineer edits ("app.model", lower case).
CONFIG_MODELS = (
    "poll.profile",
    "poll.comaster",
    "poll.ied",
    "poll.modbusdevice",
    "poll.point",
    "poll.sv",
    "poll.di",
    "poll.ai",
    "hmi.screen",
    "hmi.graphicelement",
    "hmi.formula",
    "hmi.colour",
    "alarms.alarmdefinition",
    "alarms.notificationrule",
)

# The service provider reads like a viewer, keeps the metering models (buildings, flats,
# which meter measures which flat) and downloads readings and reports.
PROVIDER_MODELS = ("metering.building", "metering.flat", "metering.meterassignment")
PROVIDER_PERMISSIONS = ("metering.download_reading",)

ROLE_NAMES = ("viewer", "operator", "engineer", "provider")

# Roles whose users are staff, i.e. may open the admin, where the configuration is edited:
# a viewer or an operator has nothing to edit there, and the console shows them the rest.
STAFF_ROLES = ("engineer", "provider")


def has_role(user: Any) -> bool:
    """A superuser, or an active member of one of the role groups."""
    if not (user and user.is_active):
        return False
    return bool(user.is_superuser or user.groups.filter(name__in=ROLE_NAMES).exists())


class HasRole(BasePermission):
    """For what every role may see but a bare account may not (the API's schema and docs)."""

    message = "Your account has no role; ask for the viewer role."

    def has_permission(self, request: Request, view: Any) -> bool:
        return has_role(request.user)


def role_permission_codes(app_models: dict[str, list[str]]) -> dict[str, set[str]]:
    """Permission codes ("app.codename") per role, for the models that exist now."""
    viewer = {f"{app}.view_{model}" for app in READABLE_APPS for model in app_models.get(app, [])}
    operator = viewer | set(OPERATOR_PERMISSIONS)
    existing = {f"{app}.{model}" for app, models in app_models.items() for model in models}
    engineer = operator | set(ENGINEER_PERMISSIONS) | _editing(CONFIG_MODELS, existing)
    provider = viewer | set(PROVIDER_PERMISSIONS) | _editing(PROVIDER_MODELS, existing)
    return {"viewer": viewer, "operator": operator, "engineer": engineer, "provider": provider}


def _editing(labels: tuple[str, ...], existing: set[str]) -> set[str]:
    return {
        f"{label.split('.')[0]}.{action}_{label.split('.')[1]}"
        for label in labels
        if label in existing
        for action in ("add", "change", "delete")
    }


def sync_roles(apps: Any) -> None:
    """Create the role groups and give each exactly the permissions of the table."""
    from django.contrib.auth.management import create_permissions

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for app_config in apps.get_app_configs():
        # Migration-state apps have no models module, and create_permissions skips those.
        original = getattr(app_config, "models_module", None)
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = original
    app_models = {
        app: [m._meta.model_name for m in apps.get_app_config(app).get_models()]
        for app in READABLE_APPS
        if _has_app(apps, app)
    }
    for role, codes in role_permission_codes(app_models).items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for code in sorted(codes):
            app_label, codename = code.split(".", 1)
            perm = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if perm is not None:
                wanted.append(perm)
        group.permissions.set(wanted)


def _has_app(apps: Any, label: str) -> bool:
    try:
        apps.get_app_config(label)
    except LookupError:
        return False
    return True


def sync_roles_after_migrate(sender: Any, apps: Any = None, **kwargs: Any) -> None:
    """post_migrate receiver, once per ``migrate`` or ``flush`` (the poll app's signal).

    ``flush`` sends no ``apps``; the installed apps stand in for the migration state then.
    """
    if getattr(sender, "name", None) != "poll":
        return
    if apps is None:
        from django.apps import apps as installed_apps

        apps = installed_apps
    sync_roles(apps)
