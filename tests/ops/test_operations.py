"""The operations page against a real supervisord (one harmless program) on a unix
socket in a temporary directory: who may see it, the confirmation, the actions and their
audit, and a supervisor that cannot be reached."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from ops.models import OperationsAction
from ops.supervisor import Supervisor, SupervisorError
from tests.poll.acquisition.processes import wait_until

SUPERVISORD = shutil.which("supervisord")
PROGRAM = "sleeper:sleeper"

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor(tmp_path: Path, settings) -> Iterator[Supervisor]:
    if not SUPERVISORD:
        pytest.skip("operations tests need supervisor (apt-get install supervisor)")
    socket_path = tmp_path / "supervisor.sock"
    conf = tmp_path / "supervisord.conf"
    conf.write_text(
        f"""\
[unix_http_server]
file={socket_path}
chmod=0700
[supervisord]
logfile={tmp_path}/supervisord.log
pidfile={tmp_path}/supervisord.pid
childlogdir={tmp_path}
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[program:sleeper]
command={sys.executable} -c "print('sleeper up', flush=True); import time; time.sleep(3600)"
startsecs=0
stopwaitsecs=5
redirect_stderr=true
stdout_logfile={tmp_path}/sleeper.log
"""
    )
    process = subprocess.Popen(
        [SUPERVISORD, "-n", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    settings.SUPERVISOR_SOCKET = str(socket_path)
    client = Supervisor()
    try:
        wait_until(lambda: state(client) == "RUNNING", 30, "supervisord and its program")
        yield client
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)


def state(client: Supervisor) -> str | None:
    try:
        return {p.name: p.state for p in client.processes()}.get(PROGRAM)
    except SupervisorError:
        return None


def pid(client: Supervisor) -> int:
    return {p.name: p.pid for p in client.processes()}[PROGRAM]


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def with_role(role: str) -> User:
    user = User.objects.create_user(f"{role}-user")
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def admin() -> Client:
    return logged_in(User.objects.create_superuser("boss"))


def test_only_administrators_see_the_page_or_act(supervisor: Supervisor, admin: Client) -> None:
    before = pid(supervisor)
    anonymous = Client().get("/operations")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert Client().post(f"/operations/{PROGRAM}/stop").status_code == 302
    for role in ("viewer", "operator", "engineer"):
        client = logged_in(with_role(role))
        assert client.get("/operations").status_code == 403
        assert client.post(f"/operations/{PROGRAM}/stop").status_code == 403
    assert not OperationsAction.objects.exists() and pid(supervisor) == before
    wait_until(lambda: supervisor.log_tail(PROGRAM), 30, "the program's first log line")
    page = admin.get("/operations")
    assert page.status_code == 200
    text = page.content.decode()
    assert PROGRAM in text and "RUNNING" in text and f">{before}<" in text
    assert "sleeper up" in text  # the program's last log lines


def test_an_action_asks_for_confirmation_then_is_done_and_audited(
    supervisor: Supervisor, admin: Client
) -> None:
    before = pid(supervisor)
    confirm = admin.get(f"/operations/{PROGRAM}/restart")
    assert confirm.status_code == 200 and b"Restart sleeper:sleeper?" in confirm.content
    assert pid(supervisor) == before and not OperationsAction.objects.exists()

    done = admin.post(f"/operations/{PROGRAM}/restart", REMOTE_ADDR="10.0.0.7")
    assert done.status_code == 302 and done["Location"].startswith("/operations?done=")
    assert state(supervisor) == "RUNNING" and pid(supervisor) != before
    admin.post(f"/operations/{PROGRAM}/stop")
    assert state(supervisor) == "STOPPED"
    admin.post(f"/operations/{PROGRAM}/start")
    assert state(supervisor) == "RUNNING"
    audit = list(
        OperationsAction.objects.order_by("id").values_list(
            "username", "address", "action", "program", "outcome"
        )
    )
    assert audit == [
        ("boss", "10.0.0.7", "restart", PROGRAM, "done"),
        ("boss", "127.0.0.1", "stop", PROGRAM, "done"),
        ("boss", "127.0.0.1", "start", PROGRAM, "done"),
    ]
    assert b"restart" in admin.get("/operations").content


def test_a_refused_action_is_audited_as_failed(supervisor: Supervisor, admin: Client) -> None:
    admin.post(f"/operations/{PROGRAM}/start")  # already running: supervisor refuses
    entry = OperationsAction.objects.get()
    assert entry.outcome == "failed" and "ALREADY_STARTED" in entry.detail


def test_unknown_programs_and_actions_are_not_found(supervisor: Supervisor, admin: Client) -> None:
    assert admin.get(f"/operations/{PROGRAM}/explode").status_code == 404
    assert admin.post("/operations/nothing:nothing/stop").status_code == 404
    assert not OperationsAction.objects.exists()


def test_the_page_says_when_supervisor_cannot_be_reached(
    tmp_path: Path, settings, admin: Client
) -> None:
    settings.SUPERVISOR_SOCKET = str(tmp_path / "absent.sock")
    page = admin.get("/operations")
    assert page.status_code == 200
    assert b"supervisor cannot be reached" in page.content
    assert b"Journal backlog" in page.content  # the poller's health is still shown
