"""The field model: tag uniqueness, the active profile, live state kept from forms."""

from __future__ import annotations

import pytest
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
