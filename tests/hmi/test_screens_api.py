"""The screens API: reading per role, the SVG, state since a revision, and engineers'
writes of screens, formulas and colours."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from hmi.models import Colour, Formula, GraphicElement, Screen
from hmi.palette import INVALID
from hmi.screen_import import import_drawings
from hmi.svg_sanitiser import parse_drawing
from poll.models import Revision
from tests.hmi.support import (
    api_client,
    harmless_problems,
    inkscape_drawing,
    load_small_site,
    overview_drawing,
)


@pytest.fixture
def site_profile(db):
    return load_small_site()


ROLES = ("anonymous", "viewer", "operator", "engineer")
DETAIL = inkscape_drawing(
    '<rect tag="E4189I01"/><a xlink:href="#screen:overview"><text>Back</text></a>',
    root_attributes='parent="overview"',
)


@pytest.fixture
def screens(site_profile):
    import_drawings(
        site_profile,
        [("overview", parse_drawing(overview_drawing())), ("E4F1", parse_drawing(DETAIL))],
    )
    return {s.name: s for s in Screen.objects.filter(profile=site_profile)}


@pytest.fixture
def as_role(role_user):
    users = {}

    def make(role: str) -> APIClient:
        if role != "anonymous" and role not in users:
            users[role] = role_user(role)
        return api_client(users.get(role))

    return make


def write_batch(changes: dict[str, dict]) -> int:
    """What the poller does for element attributes: a new revision on every row it writes."""
    revision = Revision.objects.create(source="test").pk
    for tag, values in changes.items():
        GraphicElement.objects.filter(tag=tag).update(
            revision=revision, updated_at=timezone.now(), **values
        )
    return revision


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_screens_and_nobody_without_login(as_role, screens, role):
    overview = screens["overview"]
    formula = Formula.objects.create(
        element=GraphicElement.objects.get(tag="E4DI00"), attribute="fill", source="1"
    )
    urls = [
        "/api/screens/",
        f"/api/screens/{overview.pk}/",
        f"/api/screens/{overview.pk}/svg",
        f"/api/screens/{overview.pk}/state",
        "/api/elements/",
        f"/api/elements/{formula.element_id}/",
        "/api/formulas/",
        f"/api/formulas/{formula.pk}/",
        "/api/colours/",
        "/api/schema/",
    ]
    expected = 401 if role == "anonymous" else 200
    statuses = {url: as_role(role).get(url).status_code for url in urls}
    assert statuses == dict.fromkeys(urls, expected)


@pytest.mark.django_db
def test_a_screen_names_its_parent_children_and_links(as_role, screens):
    overview, detail = screens["overview"], screens["E4F1"]
    body = as_role("viewer").get(f"/api/screens/{overview.pk}/").json()
    assert (body["name"], body["parent"], body["children"]) == ("overview", None, [detail.pk])
    assert sorted((link["tag"] or "", link["name"]) for link in body["links"]) == [
        ("", "E4F1"),
        ("E4189S01", "E4F1"),
        ("E4LBL01", "E4F1"),
    ]
    assert "svg" not in body
    detail_body = as_role("viewer").get(f"/api/screens/{detail.pk}").json()
    assert detail_body["parent"] == overview.pk


@pytest.mark.django_db
def test_the_svg_is_served_sanitised_with_a_restrictive_policy(as_role, site_profile):
    import_drawings(
        site_profile,
        [("bad", parse_drawing(inkscape_drawing('<rect tag="E4DI00" onload="alert(1)"/>')))],
    )
    screen = Screen.objects.get(name="bad")
    response = as_role("viewer").get(f"/api/screens/{screen.pk}/svg", HTTP_ACCEPT="image/svg+xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert "script-src" not in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert harmless_problems(response.content.decode()) == []
    missing = as_role("viewer").get("/api/screens/999999/svg", HTTP_ACCEPT="image/svg+xml")
    assert missing.status_code == 404 and missing.json()["detail"]


@pytest.mark.django_db
def test_state_gives_every_element_with_codes_and_colours(as_role, screens):
    Colour.objects.filter(profile=screens["overview"].profile, index=1).update(css="#ff0000")
    revision = write_batch({"E4DI00": {"fill": 1, "text": "Closed", "current": True}})
    body = as_role("viewer").get(f"/api/screens/{screens['overview'].pk}/state").json()
    assert body["revision"] == revision
    assert [e["tag"] for e in body["elements"]] == sorted(
        ["E4DI00", "E4189I01", "E41BAR00", "E4189S01", "E4LBL01"]
    )
    door = next(e for e in body["elements"] if e["tag"] == "E4DI00")
    assert door == {
        "tag": "E4DI00",
        "text": "Closed",
        "fill": 1,
        "fill_color": "#ff0000",
        "stroke": None,
        "stroke_color": None,
        "mark": None,
        "current": True,
        "error": "",
    }


@pytest.mark.django_db
def test_state_since_a_revision_gives_exactly_the_elements_changed_after_it(as_role, screens):
    overview = screens["overview"]
    viewer = as_role("viewer")
    before = write_batch({"E4DI00": {"fill": 2}})
    write_batch({"E4189I01": {"fill": 1, "current": True}, "E41BAR00": {"text": "13.2 kV"}})
    latest = write_batch({"E41BAR00": {"text": "13.3 kV"}, "E4189S01": {"fill": INVALID}})
    body = viewer.get(f"/api/screens/{overview.pk}/state", {"since": before}).json()
    assert body["revision"] == latest
    assert [e["tag"] for e in body["elements"]] == ["E4189I01", "E4189S01", "E41BAR00"]
    assert body["elements"][1]["fill_color"] == "#ff00ff"
    assert viewer.get(f"/api/screens/{overview.pk}/state", {"since": latest}).json() == {
        "revision": latest,
        "elements": [],
    }
    detail = viewer.get(f"/api/screens/{screens['E4F1'].pk}/state", {"since": before}).json()
    assert [e["tag"] for e in detail["elements"]] == ["E4189I01"]


@pytest.mark.django_db
def test_a_since_beyond_the_latest_revision_gives_everything(as_role, screens):
    latest = write_batch({"E4DI00": {"fill": 2}})
    body = (
        as_role("viewer")
        .get(f"/api/screens/{screens['overview'].pk}/state", {"since": latest + 100})
        .json()
    )
    assert len(body["elements"]) == 5 and body["revision"] == latest


@pytest.mark.django_db
@pytest.mark.parametrize("since", ["abc", "-1", "1.5", "9" * 30, "²"])
def test_a_bad_since_is_a_400_with_a_message(as_role, screens, since):
    response = as_role("viewer").get(
        f"/api/screens/{screens['overview'].pk}/state", {"since": since}
    )
    assert response.status_code == 400
    assert "is not a revision" in response.json()["since"][0]


@pytest.mark.django_db
@pytest.mark.parametrize("screen", ["999999", "abc"])
def test_an_unknown_screen_is_a_404(as_role, screens, screen):
    response = as_role("viewer").get(f"/api/screens/{screen}/state")
    assert response.status_code == 404 and response.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "status"), [("viewer", 403), ("operator", 403), ("engineer", 201)]
)
def test_only_engineers_write_formulas(as_role, screens, role, status):
    element = GraphicElement.objects.get(tag="E4189I01")
    response = as_role(role).post(
        "/api/formulas/",
        {"element": element.pk, "attribute": "fill", "source": "SI(di.E4189I01.value,1,2)"},
        format="json",
    )
    assert response.status_code == status
    if status == 403:
        assert response.json()["detail"] == "Changing the configuration needs the engineer role."
    else:
        assert response.json()["tag"] == "E4189I01"
        assert response.json()["last_error"] == ""
        assert response.json()["unplaced"] is False


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("SI(di.E4189I01.value,1,", "expected"),
        ("SI(di.NOPE99.value,1,2)", "NOPE99"),
        ("eg.E4189I01.fill", "E4189I01.fill"),
    ],
    ids=["syntax", "unknown name", "cycle"],
)
def test_formulas_are_checked_as_in_the_admin(as_role, screens, source, message):
    element = GraphicElement.objects.get(tag="E4189I01")
    response = as_role("engineer").post(
        "/api/formulas/",
        {"element": element.pk, "attribute": "fill", "source": source},
        format="json",
    )
    assert response.status_code == 400
    assert message in " ".join(response.json()["source"])
    assert not Formula.objects.exists()


@pytest.mark.django_db
def test_an_engineer_changes_and_deletes_a_formula(as_role, screens):
    engineer = as_role("engineer")
    element = GraphicElement.objects.get(tag="E4189I01")
    created = engineer.post(
        "/api/formulas/", {"element": element.pk, "attribute": "text", "source": '"a"'}
    ).json()
    duplicate = engineer.post(
        "/api/formulas/", {"element": element.pk, "attribute": "text", "source": '"b"'}
    )
    assert duplicate.status_code == 400
    assert "already has a formula" in str(duplicate.json())
    changed = engineer.patch(f"/api/formulas/{created['id']}/", {"source": '"b"&"c"'})
    assert changed.status_code == 200 and changed.json()["last_value"] == "bc"
    assert engineer.delete(f"/api/formulas/{created['id']}/").status_code == 204


@pytest.mark.django_db
def test_an_engineer_imports_a_screen_as_json_or_as_a_file(as_role, site_profile):
    engineer = as_role("engineer")
    response = engineer.post(
        "/api/screens/",
        {"profile": site_profile.pk, "name": "overview", "svg": overview_drawing()},
        format="json",
    )
    assert response.status_code == 201, response.content
    report = response.json()["import_report"]
    assert report["created"] and len(report["bound"]) == 5
    assert report["problems"] == ["link to unknown screen 'E4F1'"]

    upload = SimpleUploadedFile("E4F1.svg", DETAIL.encode(), "image/svg+xml")
    response = engineer.post(
        "/api/screens/",
        {"profile": site_profile.pk, "name": "E4F1", "drawing": upload},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert response.json()["parent"] == Screen.objects.get(name="overview").pk

    renamed = engineer.patch(
        f"/api/screens/{response.json()['id']}/", {"description": "Feeder 1"}, format="json"
    )
    assert renamed.status_code == 200 and renamed.json()["import_report"] is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"svg": '<!DOCTYPE svg [<!ENTITY a "x">]><svg/>'}, "svg", "entities"),
        ({"svg": "<html/>"}, "svg", "not an SVG"),
        ({"name": "E4F1"}, "non_field_errors", "exists in the profile"),
    ],
)
def test_a_screen_write_that_cannot_be_done_is_a_400(as_role, screens, payload, field, message):
    body = {"profile": screens["overview"].profile_id, "name": "new", **payload}
    response = as_role("engineer").post("/api/screens/", body, format="json")
    assert response.status_code == 400
    assert message in str(response.json()[field])


@pytest.mark.django_db
def test_a_screen_cannot_become_its_own_descendant(as_role, screens):
    overview, detail = screens["overview"], screens["E4F1"]
    response = as_role("engineer").patch(
        f"/api/screens/{overview.pk}/", {"parent": detail.pk}, format="json"
    )
    assert response.status_code == 400 and "below it" in str(response.json()["parent"])


@pytest.mark.django_db
def test_operators_do_not_import_screens(as_role, site_profile):
    response = as_role("operator").post(
        "/api/screens/", {"profile": site_profile.pk, "name": "x", "svg": overview_drawing()}
    )
    assert response.status_code == 403
    assert not Screen.objects.exists()


@pytest.mark.django_db
def test_engineers_edit_the_palette_with_real_colours_only(as_role, site_profile):
    engineer = as_role("engineer")
    created = engineer.post(
        "/api/colours/", {"profile": site_profile.pk, "index": 20, "name": "teal", "css": "teal"}
    )
    assert created.status_code == 201
    bad = engineer.post(
        "/api/colours/",
        {"profile": site_profile.pk, "index": 21, "name": "x", "css": "url(http://x)"},
    )
    assert bad.status_code == 400 and "not a CSS colour" in bad.json()["css"][0]
    taken = engineer.post(
        "/api/colours/", {"profile": site_profile.pk, "index": 20, "name": "y", "css": "red"}
    )
    assert taken.status_code == 400 and "already has a colour" in str(taken.json())
    assert as_role("operator").delete(f"/api/colours/{created.json()['id']}/").status_code == 403


@pytest.mark.django_db
def test_unplaced_elements_and_their_formulas_are_flagged(as_role, screens):
    element = GraphicElement.objects.get(tag="E4DI00")
    formula = Formula.objects.create(element=element, attribute="fill", source="1")
    element.screens.clear()
    viewer = as_role("viewer")
    assert viewer.get(f"/api/elements/{element.pk}/").json()["placed"] is False
    assert viewer.get(f"/api/formulas/{formula.pk}/").json()["unplaced"] is True


@pytest.mark.django_db
@pytest.mark.parametrize("media", ["multipart", "json"])
def test_a_colour_with_blank_fields_is_refused_naming_them(as_role, site_profile, media):
    colour = Colour.objects.filter(profile=site_profile).first()
    assert colour is not None
    answer = as_role("engineer").patch(
        f"/api/colours/{colour.pk}/", {"css": "", "name": ""}, format=media
    )
    assert answer.status_code == 400
    assert set(answer.json()) == {"css", "name"}
