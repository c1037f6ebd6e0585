"""Roles: what each group can and cannot do, in the model and through the admin."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from poll.models import AI, DI, COMaster, Event
from poll.roles import role_permission_codes


def perms(user) -> set[str]:
    return user.get_all_permissions()


@pytest.mark.django_db
def test_groups_exist_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= {"viewer", "operator", "engineer"}


@pytest.mark.django_db
def test_viewer_reads_everything_and_changes_nothing(role_user):
    viewer = role_user("viewer")
    assert {"poll.view_comaster", "poll.view_event", "poll.view_ai", "poll.view_energy"} <= perms(
        viewer
    )
    assert not any(
        p.split(".")[1].startswith(("add_", "change_", "delete_")) for p in perms(viewer)
    )
    assert not viewer.has_perm("poll.acknowledge_event")


@pytest.mark.django_db
def test_operator_acknowledges_and_commands_but_does_not_configure(role_user):
    operator = role_user("operator")
    assert operator.has_perm("poll.acknowledge_event")
    assert operator.has_perm("poll.send_command")
    assert not operator.has_perm("poll.change_comaster")
    assert not operator.has_perm("poll.add_di")


@pytest.mark.django_db
def test_engineer_configures_but_never_edits_history(role_user):
    engineer = role_user("engineer")
    for code in (
        "poll.change_comaster",
        "poll.add_di",
        "poll.delete_ai",
        "poll.change_profile",
        "poll.acknowledge_event",
    ):
        assert engineer.has_perm(code), code
    for code in ("poll.change_event", "poll.delete_event", "poll.add_energy", "poll.delete_sample"):
        assert not engineer.has_perm(code), code


def test_models_that_arrive_later_join_the_roles():
    codes = role_permission_codes({"poll": ["comaster"], "hmi": ["screen", "formula"]})
    assert "hmi.view_screen" in codes["viewer"]
    assert "hmi.change_formula" in codes["engineer"]
    assert "hmi.change_formula" not in codes["operator"]


@pytest.mark.django_db
def test_admin_pages_follow_the_roles(client, role_user, demo_profile):
    comaster = COMaster.objects.get(profile=demo_profile, name="E4")
    change_url = reverse("admin:poll_comaster_change", args=[comaster.pk])
    client.force_login(role_user("viewer"))
    assert client.get(change_url).status_code == 200  # read-only view
    response = client.post(change_url, {"name": "hacked"})
    assert response.status_code == 403
    assert client.get(reverse("admin:poll_di_add")).status_code == 403

    client.force_login(role_user("engineer"))
    assert client.get(reverse("admin:poll_di_add")).status_code == 200
    assert client.get(reverse("admin:poll_event_changelist")).status_code == 200


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("admin:poll_comaster_changelist"))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.django_db
def test_admin_form_reports_a_duplicate_tag_by_name(client, role_user, demo_profile):
    client.force_login(role_user("engineer"))
    taken = AI.objects.get(profile=demo_profile, tag="E41BAR00")
    response = client.post(
        reverse("admin:poll_di_add"),
        {
            "ied": taken.ied_id,
            "tag": "E41BAR00",
            "offset": 40,
            "port": 5,
            "bit": 9,
            "escala": 1,
            "deadband": 0,
            "history_min_interval": 0,
            "history_max_interval": 900,
        },
    )
    assert response.status_code == 200  # the form again, with the error
    errors = response.context["adminform"].form.errors
    assert "tag" in errors and "Busbar 1 voltage" in errors["tag"][0]


@pytest.mark.django_db
def test_engineer_adds_a_di_through_the_admin(client, role_user, demo_profile):
    client.force_login(role_user("engineer"))
    ied = AI.objects.get(profile=demo_profile, tag="E41BAR00").ied
    response = client.post(
        reverse("admin:poll_di_add"),
        {
            "ied": ied.pk,
            "tag": "E4DI99",
            "offset": 40,
            "port": 5,
            "bit": 9,
            "escala": 1,
            "deadband": 0,
            "history_min_interval": 0,
            "history_max_interval": 900,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert demo_profile.points.get(tag="E4DI99").kind == "di"


@pytest.mark.django_db
def test_only_operators_acknowledge_in_the_admin(client, role_user, demo_profile):
    from django.utils import timezone

    di = DI.objects.get(tag="E4189I01")
    event = Event.objects.create(
        profile=demo_profile,
        comaster=di.ied.comaster,
        di=di,
        ied_address=1,
        port=1,
        bit=0,
        time=timezone.now(),
        value=1,
        raw="00",
        dedup_key="k1",
        received_at=timezone.now(),
    )
    url = reverse("admin:poll_event_changelist")
    action = {"action": "acknowledge", "_selected_action": [event.pk]}
    client.force_login(role_user("viewer"))
    assert client.get(url).context["action_form"] is None  # no action offered at all
    client.post(url, action)
    event.refresh_from_db()
    assert event.acknowledged_at is None

    operator = role_user("operator")
    client.force_login(operator)
    client.post(url, action)
    event.refresh_from_db()
    assert event.acknowledged_by == operator and event.acknowledged_at is not None


@pytest.mark.django_db(transaction=True)
def test_roles_come_back_after_a_flush():
    from django.core.management import call_command

    call_command("flush", "--no-input", verbosity=0)
    operator = Group.objects.get(name="operator")
    assert operator.permissions.filter(codename="acknowledge_event").exists()
