"""The console's pages without a browser: access, the security policy, the element
information behind tooltips, and the demo's drawings and formulas."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from console.csp import CONTENT_SECURITY_POLICY
from hmi.api import SVG_CONTENT_SECURITY_POLICY
from hmi.models import GraphicElement, Screen
from poll.models import Point
from tests.conftest import ROOT
from tests.console.conftest import FORMULAS, SCREENS

PAGES = ("/", "/events", "/status")


@pytest.fixture
def demo_screens(db):
    """The whole demo site as ``make demo`` loads it: its profile, every drawing, every
    formula file."""
    from hmi.formula_loader import load_formulas, read_formula_file
    from hmi.screen_import import import_files
    from poll.profiles import load_profile, read_profile_file

    profile = load_profile(read_profile_file(ROOT / "fixtures" / "demo_site.json"), activate=True)
    reports, refused = import_files(profile, SCREENS)
    assert not refused
    assert not [problem for report in reports for problem in report.problems]
    for name in ("demo_formulas", "plant_formulas", "meters_formulas", "detector_formulas"):
        report = load_formulas(profile, read_formula_file(ROOT / "fixtures" / f"{name}.json"))
        assert not report.problems
    return {screen.name: screen for screen in Screen.objects.filter(profile=profile)}


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("path", [*PAGES, "/screens/1/"])
def test_anonymous_users_are_sent_to_the_login_page(path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_users_without_a_role_are_refused(path):
    nobody = User.objects.create_user("nobody")
    assert client_for(nobody).get(path).status_code == 403


@pytest.mark.django_db
def test_the_root_opens_the_root_screen(demo_screens, role_user):
    response = client_for(role_user("viewer")).get("/")
    assert response.status_code == 302
    assert response["Location"] == f"/screens/{demo_screens['Overview'].pk}/"


@pytest.mark.django_db
def test_without_screens_the_root_says_how_to_import_them(demo_profile, role_user):
    response = client_for(role_user("viewer")).get("/")
    assert response.status_code == 200
    assert b"import_screens" in response.content


@pytest.mark.django_db
def test_pages_carry_their_data_and_rights_but_no_inline_script(demo_screens, role_user):
    for role, can_acknowledge in (("viewer", False), ("operator", True)):
        client = client_for(role_user(role))
        for path in (f"/screens/{demo_screens['E4 Los Aromos'].pk}/", "/events", "/status"):
            response = client.get(path)
            assert response.status_code == 200
            data = response.context["page_data"]
            assert data["canAcknowledge"] is can_acknowledge
            scripts = re.findall(rb"<script([^>]*)>", response.content)
            assert scripts and all(b"src=" in s or b"application/json" in s for s in scripts)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/", "/events", "/api/"])
def test_every_response_has_the_security_policy(admin_client, path):
    response = (Client() if "login" in path else admin_client).get(path)
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY.split("script-src")[1].split(";")[0]


@pytest.mark.django_db
def test_the_api_docs_and_drawings_keep_working_under_the_policy(admin_client, demo_screens):
    docs = admin_client.get("/api/docs/")
    assert docs.status_code == 200
    assert not re.search(rb"<script>", docs.content), "the docs page loads its script"
    assert admin_client.get("/api/docs/?script").status_code == 200
    drawing = admin_client.get(f"/api/screens/{demo_screens['Overview'].pk}/svg")
    assert drawing["Content-Security-Policy"] == SVG_CONTENT_SECURITY_POLICY


@pytest.mark.django_db
def test_logout_is_a_post(role_user):
    client = client_for(role_user("operator"))
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert client.get("/events").status_code == 302


@pytest.mark.django_db
def test_element_information_follows_formulas_to_the_points_they_read(demo_screens, role_user):
    Point.objects.filter(tag="E4189B01").update(value=1, current=True)
    station = demo_screens["E4 Los Aromos"]
    client = client_for(role_user("viewer"))
    info = client.get(f"/screens/{station.pk}/elements/E41C2").json()
    assert info["tag"] == "E41C2"
    # E41C2 reads E41C1's stroke, which reads busbar A's fill, which reads the voltage.
    assert {p["tag"] for p in info["points"]} == {"E4189B01", "E41BAR00"}
    disconnector = next(p for p in info["points"] if p["tag"] == "E4189B01")
    assert disconnector | {"updated_at": None} == {
        "tag": "E4189B01",
        "kind": "di",
        "description": "Feeder Norte bus disconnector",
        "value": 1.0,
        "text": "Closed",
        "unit": "",
        "quality": "normal",
        "normal": True,
        "current": True,
        "updated_at": None,
        "comaster": "E4",
    }
    assert [f["attribute"] for f in info["formulas"]] == ["stroke"]
    assert client.get(f"/screens/{station.pk}/elements/NOSUCHTAG").status_code == 404
    assert Client().get(f"/screens/{station.pk}/elements/E41C2").status_code == 401


@pytest.mark.django_db
def test_the_demo_drawings_bind_every_element_to_a_formula_and_link_the_stations(demo_screens):
    overview = demo_screens["Overview"]
    for name in ("E4 Los Aromos", "E5 Ruta 22"):
        assert demo_screens[name].parent == overview
        assert demo_screens[name].links.get() == overview
    assert GraphicElement.objects.get(tag="E4STATION").link == demo_screens["E4 Los Aromos"]
    assert not GraphicElement.objects.filter(formulas=None).exists()
    for screen in demo_screens.values():
        assert 'inkscape:groupmode="layer"' in screen.svg


@pytest.mark.django_db
def test_loading_formulas_again_changes_nothing_and_problems_are_named(demo_screens):
    from hmi.formula_loader import load_formulas, read_formula_file

    profile = demo_screens["Overview"].profile
    again = load_formulas(profile, read_formula_file(FORMULAS))
    assert (again.created, again.updated, again.problems) == (0, 0, [])
    report = load_formulas(
        profile,
        {
            "E41I00": {"text": 'FLOAT(ai.E41I00.value,2)&" A"'},
            "E4189I01": {"fill": "SI(di.NOPE.value,1,2)"},
            "GHOST": {"fill": "1"},
        },
    )
    assert (report.created, report.updated) == (0, 1)
    assert report.problems[0].startswith("E4189I01.fill: ") and "NOPE" in report.problems[0]
    assert report.problems[1] == (
        "GHOST.fill: no element GHOST on any screen (import the drawings first)"
    )


@pytest.mark.django_db
def test_the_event_list_filters_by_ied(demo_profile, role_user):
    """The event list's IED filter is the API's COMaster and RS485 address of the event."""
    from django.utils import timezone

    from poll.models import COMaster, Event

    e4 = COMaster.objects.get(name="E4")
    now = timezone.now()
    for address in (1, 2, 2):
        Event.objects.create(
            profile=demo_profile, comaster=e4, ied_address=address, port=1, bit=0, time=now,
            value=1, raw="00", dedup_key=f"{address}-{Event.objects.count()}", received_at=now,
        )  # fmt: skip
    client = client_for(role_user("viewer"))
    page = client.get(f"/api/events/?comaster={e4.pk}&ied_address=2").json()
    assert page["count"] == 2
    assert {event["ied_address"] for event in page["results"]} == {2}
