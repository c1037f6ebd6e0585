"""Reading profile files: errors, warnings, lists, paths and included files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings

from poll.profiles.sections import section_keys


class ProfileFileError(Exception):
    """A profile file that cannot be loaded; each problem names its place in the file."""

    def __init__(self, *problems: str) -> None:
        self.problems = list(problems)
        if len(problems) == 1:
            super().__init__(problems[0])
        else:
            listed = "\n".join(f"- {problem}" for problem in problems)
            super().__init__(f"{len(problems)} problems, nothing was loaded:\n{listed}")


class ProfileFileWarning(DeprecationWarning):
    """A profile file still uses a key that is going away (it loads, with its old meaning)."""


def read_profile_file(path: str | Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProfileFileError(f"cannot read {path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise ProfileFileError(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("profile"), dict):
        raise ProfileFileError(f'{path} has no "profile" object')
    return data


def with_included(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with the COMasters, Modbus devices, MQTT brokers and registered sections
    (e.g. alarms) of the files it includes."""
    included = data.get("include", [])
    if not included:
        return data
    if not isinstance(included, list) or not all(
        isinstance(i, str) or (isinstance(i, dict) and {"file", "poll_interval"} == set(i))
        for i in included
    ):
        raise ProfileFileError(
            'include: expected a list of file names or {"file", "poll_interval"} objects'
        )
    merged = {
        **data,
        "comasters": list(data.get("comasters", [])),
        "modbus_devices": list(data.get("modbus_devices", [])),
        "mqtt_brokers": list(data.get("mqtt_brokers", [])),
        **{key: list(data.get(key, [])) for key in section_keys()},
    }
    for item in included:
        name, interval = (
            (item, None) if isinstance(item, str) else (item["file"], item["poll_interval"])
        )
        other = with_included(read_profile_file(project_path(name)))
        merged["comasters"] += list_of_objects(other, "comasters", name)
        devices = list_of_objects(other, "modbus_devices", name)
        if interval is not None:
            devices = [{**device, "poll_interval": interval} for device in devices]
        merged["modbus_devices"] += devices
        merged["mqtt_brokers"] += list_of_objects(other, "mqtt_brokers", name)
        for key in section_keys():
            merged[key] += list_of_objects(other, key, name)
    return merged


def project_path(name: str) -> Path:
    """A file named in a profile: absolute, or relative to the project folder."""
    path = Path(name)
    return path if path.is_absolute() else Path(settings.BASE_DIR) / path


def list_of_objects(parent: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    items = parent.get(key, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ProfileFileError(f"{where}.{key}: expected a list of objects".lstrip("."))
    return items
