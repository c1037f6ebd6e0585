"""Settings from the environment, and the one-line errors an operator sees."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from smve.env import database_from_url, env_bool, env_list, time_zone

ROOT = Path(__file__).resolve().parents[2]


def test_default_database_is_a_sqlite_file_in_the_project(tmp_path):
    config = database_from_url("sqlite:///", tmp_path)
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == str(tmp_path / "db.sqlite3")


def test_postgres_url_is_parsed():
    config = database_from_url("postgres://smve:secret@db.example:6543/plant", Path("."))
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"], config["USER"]) == (
        "db.example",
        6543,
        "plant",
        "smve",
    )


@pytest.mark.parametrize(
    "url", ["mysql://x@y/z", "nonsense", "postgres://host:notaport/db", "postgres://host"]
)
def test_bad_database_urls_are_refused_with_a_hint(url):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL|database"):
        database_from_url(url, Path("."))


def test_booleans_lists_and_zones(monkeypatch):
    monkeypatch.setenv("X_FLAG", "yes")
    assert env_bool("X_FLAG") is True
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        env_bool("X_FLAG")
    monkeypatch.setenv("X_LIST", "a.example, b.example,")
    assert env_list("X_LIST", []) == ["a.example", "b.example"]
    assert time_zone("America/Argentina/Cordoba") == "America/Argentina/Cordoba"
    with pytest.raises(ImproperlyConfigured, match="TIME_ZONE"):
        time_zone("Mars/Olympus")


def run_manage(env_changes: dict[str, str | None], *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    for key, value in env_changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def assert_one_clear_line(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0]


def test_production_without_secret_key_refuses_to_start():
    result = run_manage({"DEBUG": "0", "SECRET_KEY": None}, "check")
    assert_one_clear_line(result, "SECRET_KEY")


def test_wrong_database_url_is_one_line():
    result = run_manage({"DEBUG": "1", "DATABASE_URL": "mysql://nobody@nowhere/x"}, "check")
    assert_one_clear_line(result, "DATABASE_URL")


def test_unreachable_database_is_one_line():
    result = run_manage(
        {"DEBUG": "1", "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}, "migrate", "--check"
    )
    assert_one_clear_line(result, "database", "DATABASE_URL")


def test_bad_log_level_is_one_line():
    result = run_manage({"DEBUG": "1", "LOG_LEVEL": "LOUD"}, "check")
    assert_one_clear_line(result, "LOG_LEVEL")
