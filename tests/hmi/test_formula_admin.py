"""Formulas in the admin: errors on the field with their place, cycles named, preview."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from formulas import compiler
from hmi.models import Formula, GraphicElement
from poll.models import DI


@pytest.fixture
def elements(demo_profile):
    DI.objects.filter(tag="E4189I01").update(value=1, current=True, updated_at=timezone.now())
    return {
        tag: GraphicElement.objects.create(profile=demo_profile, tag=tag)
        for tag in ("E4189I01", "E41BAR00", "E4LBL01")
    }


@pytest.fixture
def engineer_client(client, role_user):
    client.force_login(role_user("engineer"))
    return client


def post_formula(client, element, source, attribute="fill", **extra):
    return client.post(
        reverse("admin:hmi_formula_add"),
        {"element": element.pk, "attribute": attribute, "source": source, **extra},
    )


def form_errors(response) -> str:
    form = response.context["adminform"].form
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@pytest.mark.django_db
def test_a_valid_formula_is_saved_with_its_current_value(engineer_client, elements):
    response = post_formula(engineer_client, elements["E4189I01"], "SI(di.E4189I01.value,1,2)")
    assert response.status_code == 302
    formula = Formula.objects.get()
    assert (formula.last_value, formula.last_error) == ("1", "")


@pytest.mark.django_db
def test_a_syntax_error_shows_where_and_what_was_expected(engineer_client, elements):
    response = post_formula(engineer_client, elements["E4189I01"], "SI(di.E4189I01.value,1,")
    assert response.status_code == 200
    message = form_errors(response)
    assert "character" in message and "expected" in message
    assert not Formula.objects.exists()


@pytest.mark.django_db
def test_an_unknown_tag_is_named(engineer_client, elements):
    response = post_formula(engineer_client, elements["E4189I01"], "SI(di.NOPE99.value,1,2)")
    assert "NOPE99" in form_errors(response)
    assert not Formula.objects.exists()


@pytest.mark.django_db
def test_a_cycle_is_rejected_and_named(engineer_client, elements):
    a, b = elements["E4189I01"], elements["E41BAR00"]
    assert post_formula(engineer_client, a, "eg.E41BAR00.stroke").status_code == 302
    response = post_formula(engineer_client, b, "eg.E4189I01.fill", attribute="stroke")
    message = form_errors(response)
    assert "E4189I01.fill" in message and "E41BAR00.stroke" in message
    assert Formula.objects.count() == 1


@pytest.mark.django_db
def test_preview_evaluates_without_saving(engineer_client, elements):
    response = post_formula(
        engineer_client, elements["E4LBL01"], '"I = "&ai.E41I00.q', attribute="text", _preview="1"
    )
    assert response.status_code == 200
    assert "Preview with current values: 'I = 0'" in form_errors(response)
    assert not Formula.objects.exists()


@pytest.mark.django_db
def test_preview_shows_an_error_value(engineer_client, elements):
    response = post_formula(
        engineer_client, elements["E4LBL01"], "1/0", attribute="text", _preview="1"
    )
    assert "#DIV/0!" in form_errors(response)


@pytest.mark.django_db
def test_formulas_in_error_are_listed(engineer_client, elements):
    Formula.objects.create(
        element=elements["E4LBL01"], attribute="text", source="1/0", last_error="#DIV/0!"
    )
    Formula.objects.create(
        element=elements["E4189I01"], attribute="fill", source="1", last_value="1"
    )
    response = engineer_client.get(reverse("admin:hmi_formula_changelist") + "?state=error")
    assert [f.element.tag for f in response.context["cl"].result_list] == ["E4LBL01"]


@pytest.mark.django_db
def test_viewers_and_operators_cannot_edit_formulas(client, role_user, elements):
    for role in ("viewer", "operator"):
        client.force_login(role_user(role))
        assert post_formula(client, elements["E4189I01"], "1").status_code == 403
    assert not Formula.objects.exists()


@pytest.mark.django_db
def test_saving_one_formula_compiles_that_formula_only(
    engineer_client, elements, demo_profile, monkeypatch
):
    others = GraphicElement.objects.bulk_create(
        GraphicElement(profile=demo_profile, tag=f"E4OTHER{i:03d}") for i in range(200)
    )
    for i, element in enumerate(others):  # a chain, so that the cycle check has a graph
        source = f"eg.E4OTHER{i + 1:03d}.fill" if i + 1 < len(others) else "eg.E4189I01.fill"
        Formula.objects.create(element=element, attribute="fill", source=source)
    parsed = []
    real_parse = compiler.parse
    monkeypatch.setattr(
        compiler, "parse", lambda source: parsed.append(source) or real_parse(source)
    )
    response = post_formula(engineer_client, elements["E4189I01"], "SI(di.E4189I01.value,1,2)")
    assert response.status_code == 302
    assert parsed == ["SI(di.E4189I01.value,1,2)"]
    parsed.clear()
    response = post_formula(engineer_client, elements["E41BAR00"], "eg.E4OTHER000.fill")
    assert response.status_code == 302 and len(parsed) == 1
    closing = post_formula(
        engineer_client, elements["E4189I01"], "eg.E41BAR00.fill", attribute="stroke"
    )
    assert closing.status_code == 302, "stroke is not on the chain: no cycle"
    Formula.objects.filter(element=elements["E4189I01"], attribute="fill").delete()
    response = post_formula(engineer_client, elements["E4189I01"], "eg.E41BAR00.fill")
    message = form_errors(response)
    assert "E4OTHER199.fill" in message and "E41BAR00.fill" in message, "the cycle is named"


@pytest.mark.django_db
def test_a_result_reads_the_same_in_the_preview_and_after_a_save(engineer_client, elements):
    for source, shown in (("1=1", "TRUE"), ("2/2", "1")):
        preview = post_formula(
            engineer_client, elements["E4LBL01"], source, attribute="text", _preview="1"
        )
        assert f"Preview with current values: '{shown}'" in form_errors(preview)
    post_formula(engineer_client, elements["E4LBL01"], "1=1", attribute="text")
    post_formula(engineer_client, elements["E4LBL01"], "2/2", attribute="mark")
    results = dict(Formula.objects.values_list("attribute", "last_value"))
    assert results == {"text": "TRUE", "mark": "1"}
