"""Importing drawings: bound elements, links, re-imports that keep formulas, the command
and the admin upload."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from hmi.models import Formula, GraphicElement, Screen
from hmi.screen_import import import_drawing, import_files
from hmi.svg_sanitiser import DrawingError
from poll.models import Point
from tests.conftest import ROOT
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


DETAIL = inkscape_drawing(
    """
    <rect tag="E4189I01" x="10" y="10" width="20" height="10" />
    <a xlink:href="#screen:overview"><text tag="E4LBL_BACK">Back</text></a>
""",
    name="E4F1",
    root_attributes='parent="overview"',
)


@pytest.fixture
def screens_dir(tmp_path: Path) -> Path:
    (tmp_path / "overview.svg").write_text(overview_drawing(detail="E4F1"))
    (tmp_path / "E4F1.svg").write_text(DETAIL)
    (tmp_path / "notes.txt").write_text("not a drawing")
    return tmp_path


@pytest.mark.django_db
def test_a_directory_becomes_a_tree_of_screens_with_links(site_profile, screens_dir):
    reports, refused = import_files(site_profile, [screens_dir])
    assert refused == []
    assert [r.screen for r in reports] == ["E4F1", "overview"]
    overview = Screen.objects.get(profile=site_profile, name="overview")
    detail = Screen.objects.get(profile=site_profile, name="E4F1")
    assert detail.parent == overview and overview.parent is None
    assert set(overview.elements.values_list("tag", flat=True)) == {
        "E4DI00",
        "E4189I01",
        "E41BAR00",
        "E4189S01",
        "E4LBL01",
    }
    assert list(overview.links.all()) == [detail]
    assert list(detail.links.all()) == [overview]
    links = dict(GraphicElement.objects.filter(link__isnull=False).values_list("tag", "link"))
    assert links == {"E4189S01": detail.pk, "E4LBL01": detail.pk, "E4LBL_BACK": overview.pk}
    assert 'tag="E4189I01"' in overview.svg and 'tag="E41BAR00"' in overview.svg


@pytest.mark.django_db
def test_an_element_drawn_on_two_screens_is_one_element(site_profile, screens_dir):
    import_files(site_profile, [screens_dir])
    breaker = GraphicElement.objects.get(profile=site_profile, tag="E4189I01")
    assert set(breaker.screens.values_list("name", flat=True)) == {"overview", "E4F1"}
    assert breaker.description == Point.objects.get(tag="E4189I01").description


@pytest.mark.django_db
def test_the_report_lists_new_elements_and_those_without_formula(site_profile):
    report = import_drawing(site_profile, "overview", overview_drawing())
    assert report.created
    assert report.added == report.bound == sorted(report.bound)
    assert report.without_formula == report.bound
    assert report.problems == ["link to unknown screen 'E4F1'"]
    assert any("overview created: 5 bound elements" in line for line in report.lines())


@pytest.mark.django_db
def test_reimport_keeps_formulas_and_links_and_reports_vanished_tags(site_profile):
    import_drawing(site_profile, "E4F1", inkscape_drawing('<rect tag="E4189I01"/>'))
    import_drawing(site_profile, "overview", overview_drawing())
    door = GraphicElement.objects.get(tag="E4DI00")
    Formula.objects.create(element=door, attribute="fill", source="SI(di.E4DI00.value,1,2)")
    label = GraphicElement.objects.get(tag="E41BAR00")
    label.link = Screen.objects.get(name="E4F1")
    label.save()
    Formula.objects.create(element=label, attribute="text", source='"x"')

    changed = overview_drawing().replace('tag="E4DI00"', 'tag="E4DI01"')
    report = import_drawing(site_profile, "overview", changed)

    assert not report.created
    assert report.added == ["E4DI01"]
    assert report.vanished == ["E4DI00"]
    assert report.unplaced == ["E4DI00"]
    assert "E4DI01" in report.without_formula and "E41BAR00" not in report.without_formula
    assert Formula.objects.filter(element__tag="E4DI00").count() == 1
    label.refresh_from_db()
    assert label.link.name == "E4F1"
    assert not GraphicElement.objects.get(tag="E4DI00").screens.exists()


@pytest.mark.django_db
def test_a_tag_that_moves_to_another_screen_is_not_unplaced(site_profile):
    import_drawing(site_profile, "E4F1", inkscape_drawing('<rect tag="E4189I01"/>'))
    import_drawing(site_profile, "overview", overview_drawing())
    report = import_drawing(
        site_profile, "overview", overview_drawing().replace('inkscape:label="E4189I01"', "")
    )
    assert report.vanished == ["E4189I01"] and report.unplaced == []


@pytest.mark.django_db
def test_a_malicious_drawing_is_stored_harmless(site_profile):
    body = (
        '<script>alert(1)</script><rect tag="E4DI00" onclick="alert(2)"/>'
        '<a xlink:href="javascript:alert(3)"><text>x</text></a>'
    )
    report = import_drawing(site_profile, "bad", inkscape_drawing(body))
    screen = Screen.objects.get(name="bad")
    assert harmless_problems(screen.svg) == []
    assert report.bound == ["E4DI00"]
    assert sorted(report.removed) == [
        "1 x <script> element",
        "1 x event handler attribute",
        "1 x link leaving the drawing",
    ]


@pytest.mark.django_db
def test_a_refused_drawing_writes_nothing(site_profile):
    with pytest.raises(DrawingError):
        import_drawing(site_profile, "bad", '<!DOCTYPE svg [<!ENTITY x "y">]><svg/>')
    assert not Screen.objects.exists()


@pytest.mark.django_db
def test_the_command_imports_and_reports(site_profile, screens_dir, capsys):
    call_command("import_screens", str(screens_dir))
    out = capsys.readouterr().out
    assert "Screen overview created: 5 bound elements." in out
    assert "bound elements without a formula" in out
    assert Screen.objects.filter(profile=site_profile).count() == 2


@pytest.mark.django_db
def test_the_command_refuses_a_bad_file_and_imports_the_others(site_profile, screens_dir):
    (screens_dir / "evil.svg").write_text('<!DOCTYPE svg [<!ENTITY x "y">]><svg/>')
    with pytest.raises(CommandError, match="1 drawing"):
        call_command("import_screens", str(screens_dir), "--profile", site_profile.name)
    assert set(Screen.objects.values_list("name", flat=True)) == {"overview", "E4F1"}


@pytest.mark.django_db
def test_the_command_names_a_missing_profile(site_profile, screens_dir):
    with pytest.raises(CommandError, match="no profile 'Nope'"):
        call_command("import_screens", str(screens_dir), "--profile", "Nope")


@pytest.mark.django_db
def test_engineer_uploads_a_drawing_in_the_admin(client, role_user, site_profile):
    client.force_login(role_user("engineer"))
    upload = SimpleUploadedFile("overview.svg", overview_drawing().encode(), "image/svg+xml")
    response = client.post(
        reverse("admin:hmi_screen_add"),
        {"profile": site_profile.pk, "name": "overview", "order": 0, "drawing": upload},
        follow=True,
    )
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert any("overview created" in m or "overview updated" in m for m in messages)
    assert Screen.objects.get(name="overview").elements.count() == 5


@pytest.mark.django_db
def test_the_admin_refuses_a_malicious_upload_with_a_message(client, role_user, site_profile):
    client.force_login(role_user("engineer"))
    evil = b'<!DOCTYPE svg [<!ENTITY a "ha"><!ENTITY b "&a;&a;">]><svg>&b;</svg>'
    response = client.post(
        reverse("admin:hmi_screen_add"),
        {
            "profile": site_profile.pk,
            "name": "evil",
            "order": 0,
            "drawing": SimpleUploadedFile("evil.svg", evil),
        },
    )
    assert response.status_code == 200
    assert "cannot be imported" in str(response.context["adminform"].form.errors)
    assert not Screen.objects.exists()


DEMO_SCREENS = sorted((ROOT / "fixtures").glob("**/*.svg"))


@pytest.mark.skipif(not DEMO_SCREENS, reason="no demo screens in fixtures/")
@pytest.mark.django_db
def test_the_demo_screens_import_cleanly(demo_profile):
    reports, refused = import_files(demo_profile, DEMO_SCREENS)
    assert refused == []
    for report in reports:
        assert report.bound, f"{report.screen} binds no element"
        assert report.removed == [], f"{report.screen}: {report.removed}"
        assert harmless_problems(Screen.objects.get(name=report.screen).svg) == []


def deep_drawing(depth: int = 1000) -> str:
    """A drawing of groups nested ``depth`` levels: a RecursionError before issue 18."""
    return inkscape_drawing("<g>" * depth + "</g>" * depth)


DEEP_MESSAGE = "nested more than 100 levels deep"


@pytest.mark.django_db
def test_a_deep_drawing_is_refused_and_the_others_of_its_folder_imported(site_profile, screens_dir):
    (screens_dir / "deep.svg").write_text(deep_drawing())
    reports, refused = import_files(site_profile, [screens_dir])
    assert [r.screen for r in reports] == ["E4F1", "overview"]
    assert len(refused) == 1 and DEEP_MESSAGE in refused[0] and "deep.svg" in refused[0]


@pytest.mark.django_db
def test_the_command_names_each_bad_drawing_and_why(site_profile, screens_dir, capsys):
    (screens_dir / "deep.svg").write_text(deep_drawing())
    with (screens_dir / "huge.svg").open("wb") as huge:
        huge.truncate(10 * 1024 * 1024 + 1)  # sparse: refused on its size, never read
    (screens_dir / f"{'x' * 101}.svg").write_text(DETAIL)
    with pytest.raises(CommandError, match="3 drawing"):
        call_command("import_screens", str(screens_dir))
    err = capsys.readouterr().err
    assert f"deep.svg: elements are {DEEP_MESSAGE}" in err
    assert "huge.svg: the drawing is 10.0 MiB; screens are limited to 10 MiB" in err
    assert "screen names have at most 100" in err
    assert "Traceback" not in err
    assert set(Screen.objects.values_list("name", flat=True)) == {"overview", "E4F1"}


@pytest.mark.django_db
def test_a_drawing_of_exactly_the_size_limit_is_imported(site_profile):
    drawing = inkscape_drawing('<rect tag="E4DI00"/>')
    padding = 10 * 1024 * 1024 - len(drawing.encode()) - len("<!---->")
    report = import_drawing(site_profile, "big", drawing + f"<!--{'x' * padding}-->")
    assert report.bound == ["E4DI00"]


@pytest.mark.django_db
def test_the_admin_refuses_a_deep_upload_with_a_message(client, role_user, site_profile):
    client.force_login(role_user("engineer"))
    upload = SimpleUploadedFile("deep.svg", deep_drawing().encode(), "image/svg+xml")
    response = client.post(
        reverse("admin:hmi_screen_add"),
        {"profile": site_profile.pk, "name": "deep", "order": 0, "drawing": upload},
    )
    assert response.status_code == 200
    assert DEEP_MESSAGE in str(response.context["adminform"].form.errors)
    assert not Screen.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("as_file", [False, True], ids=["svg", "drawing"])
def test_the_api_refuses_a_deep_upload_with_a_400(role_user, site_profile, as_file):
    body = {"profile": site_profile.pk, "name": "deep"}
    if as_file:
        body["drawing"] = SimpleUploadedFile("deep.svg", deep_drawing().encode())
    else:
        body["svg"] = deep_drawing()
    response = api_client(role_user("engineer")).post(
        "/api/screens/", body, format="multipart" if as_file else "json"
    )
    assert response.status_code == 400
    assert DEEP_MESSAGE in str(response.json()["drawing" if as_file else "svg"])
    assert not Screen.objects.exists()


@pytest.mark.django_db
def test_an_imported_drawing_keeps_nothing_of_the_payloads(site_profile):
    from tests.hmi.test_svg_sanitiser import HARDENED, leaks

    report = import_drawing(site_profile, "payloads", inkscape_drawing("".join(HARDENED.values())))
    assert leaks(Screen.objects.get(name="payloads").svg) == []
    assert report.removed
