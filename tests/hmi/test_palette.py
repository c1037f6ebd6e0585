"""The palette: defaults for every profile, reserved codes, CSS colours that stay colours."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from hmi.css_colours import validate_css_colour
from hmi.models import Colour
from hmi.palette import DEFAULT_COLOURS, INVALID, NOT_CURRENT, Palette
from poll.models import Profile


@pytest.mark.django_db
def test_a_new_profile_gets_the_default_palette():
    profile = Profile.objects.create(name="Plant")
    codes = set(Colour.objects.filter(profile=profile).values_list("index", flat=True))
    assert codes == {code for code, _, _ in DEFAULT_COLOURS}
    assert {INVALID, NOT_CURRENT} <= codes
    invalid = Colour.objects.get(profile=profile, index=INVALID)
    not_current = Colour.objects.get(profile=profile, index=NOT_CURRENT)
    assert invalid.css != not_current.css


@pytest.mark.django_db
def test_the_data_migration_completes_existing_profiles_without_duplicates():
    profile = Profile.objects.create(name="Plant")
    Colour.objects.filter(profile=profile, index__in=[1, NOT_CURRENT]).delete()
    Colour.objects.filter(profile=profile, index=2).update(css="#123456")
    migration = importlib.import_module("hmi.migrations.0003_default_palettes")
    migration.add_default_palettes(apps, None)
    assert Colour.objects.filter(profile=profile).count() == len(DEFAULT_COLOURS)
    assert Colour.objects.get(profile=profile, index=2).css == "#123456"


@pytest.mark.django_db
def test_a_deleted_code_falls_back_to_its_default_and_an_unknown_code_has_none():
    profile = Profile.objects.create(name="Plant")
    Colour.objects.filter(profile=profile, index=INVALID).delete()
    Colour.objects.filter(profile=profile, index=1).update(css="crimson")
    palette = Palette.of(profile.pk)
    assert palette.css(1) == "crimson"
    assert palette.css(INVALID) == "#ff00ff"
    assert palette.css(4242) is None and palette.css(None) is None


@pytest.mark.parametrize(
    "css", ["#fff", "#a1b2c3", "#a1b2c3d4", "rgb(10, 20, 30)", "hsl(120 50% 50%)", "red"]
)
def test_css_colours_are_accepted(css):
    validate_css_colour(css)


@pytest.mark.parametrize(
    "css",
    ["url(http://x/y)", "red;background:url(x)", "#12", "expression(alert(1))", '"red"', ""],
)
def test_anything_but_a_colour_is_refused(css):
    with pytest.raises(ValidationError, match="not a CSS colour"):
        validate_css_colour(css)
