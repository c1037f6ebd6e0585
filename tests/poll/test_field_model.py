"""The field model: tag uniqueness, the active profile, live state kept from forms."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from poll.models import AI, DI, IED, SV, COMaster, Point, Profile


@pytest.fixture
def ied(db):
    profile = Profile.objects.create(name="Site", active=True)
    comaster = COMaster.objects.create(profile=profile, name="E4", host="127.0.0.1")
    return IED.objects.create(comaster=comaster, offset=1, address=1, name="Feeder relay")


def test_proxy_kinds_set_kind_and_profile(ied):
    di = DI.objects.create(ied=ied, tag="E4DI00", offset=0, port=0, bit=0)
    assert di.kind == "di"
    assert di.profile_id == ied.comaster.profile_id
    assert list(DI.objects.all()) == [di]
    assert not AI.objects.exists()


def test_tag_is_unique_across_kinds_in_the_database(ied):
    AI.objects.create(ied=ied, tag="E4X00", offset=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        DI.objects.create(ied=ied, tag="E4X00", offset=0, port=0, bit=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        SV.objects.create(ied=ied, tag="E4X00", offset=0)


def test_same_tag_in_another_profile_is_allowed(ied):
    AI.objects.create(ied=ied, tag="E4X00", offset=0)
    other = Profile.objects.create(name="Other")
    cm = COMaster.objects.create(profile=other, name="E4", host="h")
    other_ied = IED.objects.create(comaster=cm, offset=0, address=1, name="x")
    assert AI.objects.create(ied=other_ied, tag="E4X00", offset=0).pk


def test_validation_names_the_point_that_has_the_tag(ied):
    AI.objects.create(ied=ied, tag="E4X00", offset=0, description="Bus voltage")
    duplicate = DI(ied=ied, tag="E4X00", offset=0, port=0, bit=0)
    with pytest.raises(Exception) as excinfo:
        duplicate.full_clean()
    message = str(excinfo.value)
    assert "Bus voltage" in message and "Feeder relay" in message and "E4" in message


def test_tag_characters_are_those_formulas_can_name(ied):
    point = AI(ied=ied, tag="E4 X-1", offset=0)
    with pytest.raises(Exception, match="letters, digits and underscores"):
        point.full_clean()


def test_di_needs_port_and_bit(ied):
    with pytest.raises(IntegrityError), transaction.atomic():
        Point.objects.create(ied=ied, kind="di", tag="E4DI09", offset=0)


def test_only_one_profile_is_active(db):
    first = Profile.objects.create(name="A", active=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Profile.objects.create(name="B", active=True)
    second = Profile.objects.create(name="B")
    second.activate()
    first.refresh_from_db()
    assert (first.active, Profile.get_active()) == (False, second)


def test_saving_configuration_keeps_the_live_state(ied):
    ai = AI.objects.create(ied=ied, tag="E4V", offset=0)
    stale = AI.objects.get(pk=ai.pk)  # as a form would have loaded it
    now = timezone.now()
    AI.objects.filter(pk=ai.pk).update(value=13.2, q=1, current=True, updated_at=now, revision=7)
    stale.description = "Busbar voltage"
    stale.save()
    ai.refresh_from_db()
    assert (ai.description, ai.value, ai.q, ai.current, ai.revision) == (
        "Busbar voltage",
        13.2,
        1,
        True,
        7,
    )


def test_comaster_counters_survive_an_edit(ied):
    comaster = COMaster.objects.get(pk=ied.comaster_id)
    COMaster.objects.filter(pk=comaster.pk).update(polls=42, online=True)
    comaster.poll_interval = 2.0
    comaster.save()
    comaster.refresh_from_db()
    assert (comaster.polls, comaster.online, comaster.poll_interval) == (42, True, 2.0)


def problems(obj) -> dict[str, list[str]]:
    """The validation problems of ``obj`` by field, as the admin and profile files show them."""
    try:
        obj.full_clean()
    except ValidationError as exc:
        return exc.message_dict
    return {}


@pytest.mark.parametrize(("address", "valid"), [(0, True), (15, True), (16, False), (20, False)])
def test_an_ied_address_fits_the_four_bits_of_events(ied, address, valid):
    other = IED(comaster=ied.comaster, offset=2, address=address, name="Relay")
    found = problems(other)
    assert (found == {}) is valid
    if not valid:
        assert found["address"] == [
            "Must be within 0..15 (4 bits in events; 0 is the COMaster itself)."
        ]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("port", 0),
        ("port", 65536),
        ("address", 255),
        ("master_address", 255),
        ("master_address", 1),  # the COMaster's own address
        ("attempts", 0),
        ("attempts", 11),
        ("poll_interval", 0.1),
        ("poll_interval", float("nan")),
        ("reply_timeout", float("inf")),
        ("reply_timeout", 61),
        ("time_set_interval", 5),
        ("host", "plc 1"),
        ("host", "999.1.1.1"),
        ("host", ""),
    ],
)
def test_a_comaster_value_outside_the_protocol_is_refused(ied, field, value):
    comaster = COMaster.objects.get(pk=ied.comaster_id)
    assert problems(comaster) == {}
    setattr(comaster, field, value)
    assert list(problems(comaster)) == [field]


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "plc-1.plant.local", "E4"])
def test_hosts_are_addresses_or_names(ied, host):
    comaster = COMaster.objects.get(pk=ied.comaster_id)
    comaster.host = host
    assert problems(comaster) == {}


def test_attempts_count_the_first_try_for_both_kinds_of_link(ied):
    comaster = COMaster.objects.get(pk=ied.comaster_id)
    comaster.attempts = 1
    assert problems(comaster) == {}
    assert "the first included" in COMaster._meta.get_field("attempts").help_text
    assert not hasattr(comaster, "retries")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "sv", "offset": 6}, "offset"),  # an SV is a byte of a 6-byte block
        ({"kind": "di", "offset": 0, "port": 8, "bit": 0}, "port"),
        ({"kind": "di", "offset": 0, "port": 0, "bit": 16}, "bit"),
        ({"kind": "ai", "offset": 0, "channel": 8}, "channel"),
        ({"kind": "ai", "offset": 0, "escala": 0.0}, "escala"),
        ({"kind": "ai", "offset": 0, "escala": float("nan")}, "escala"),
        ({"kind": "ai", "offset": 0, "deadband": -1.0}, "deadband"),
        ({"kind": "ai", "offset": 0, "low_limit": 5.0, "high_limit": 1.0}, "high_limit"),
    ],
)
def test_a_point_value_outside_the_protocol_is_refused(ied, fields, field):
    point = Point(ied=ied, tag="E4X00", **fields)
    assert list(problems(point)) == [field]


def test_the_last_byte_of_an_sv_block_is_allowed(ied):
    assert problems(Point(ied=ied, tag="E4SV05", kind="sv", offset=5)) == {}


def test_the_admin_refuses_an_ied_address_events_cannot_carry(ied, client, role_user):
    client.force_login(role_user("engineer"))
    fields = {"comaster": ied.comaster_id, "offset": 2, "name": "Relay"}
    page = client.post("/admin/poll/ied/add/", {**fields, "address": 20})
    assert page.status_code == 200 and b"Must be within 0..15" in page.content
    assert not IED.objects.filter(offset=2).exists()
    page = client.post("/admin/poll/ied/add/", {**fields, "address": 15})
    assert page.status_code == 302 and IED.objects.get(offset=2).address == 15


def test_the_comaster_page_shows_attempts(ied, client, role_user):
    client.force_login(role_user("engineer"))
    page = client.get(f"/admin/poll/comaster/{ied.comaster_id}/change/")
    assert page.status_code == 200
    assert b'name="attempts"' in page.content and b"the first included" in page.content
