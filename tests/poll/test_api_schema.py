"""The OpenAPI schema: valid without warnings, served to users only, and the API fuzzed
from it (schemathesis, in process over WSGI) without a single server error."""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error

from hmi.models import Formula, GraphicElement
from hmi.screen_import import import_drawing
from tests.hmi.support import api_client, load_small_site, overview_drawing


@pytest.fixture
def site_profile(db):
    return load_small_site()


EXAMPLES_PER_OPERATION = 12


def test_the_schema_is_valid_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    for path in ("/api/screens/{id}/state/", "/api/screens/{id}/svg/", "/api/events/acknowledge/"):
        assert f"  {path}:" in text


@pytest.mark.django_db
def test_the_schema_and_docs_need_a_login(role_user):
    assert api_client().get("/api/schema/").status_code == 401
    assert api_client().get("/api/docs/").status_code == 401
    viewer = api_client(role_user("viewer"))
    assert viewer.get("/api/schema/").status_code == 200
    assert viewer.get("/api/docs/").status_code == 200


def api_schema() -> schemathesis.openapi:
    generated = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(json.loads(json.dumps(generated, default=str)))
    schema.app = get_wsgi_application()
    return schema


@pytest.mark.slow
@pytest.mark.django_db
def test_no_request_the_schema_allows_makes_a_server_error(site_profile, role_user, in_process):
    import_drawing(site_profile, "overview", overview_drawing())
    Formula.objects.create(
        element=GraphicElement.objects.get(tag="E4DI00"), attribute="fill", source="1"
    )
    token = Token.objects.create(user=role_user("engineer")).key
    headers = {"Authorization": f"Token {token}"}
    failures = []
    for result in api_schema().get_all_operations():
        operation = result.ok()
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def call(case: schemathesis.Case) -> None:
                case.call_and_validate(headers=headers, checks=[not_a_server_error])

            try:
                call()
            except AssertionError as failure:  # schemathesis reports a check failure this way
                failures.append(f"{operation.label} ({mode.value}): {failure}")
    assert failures == []


@pytest.fixture
def in_process(settings):
    """Requests straight into the WSGI application, inside the test's transaction: like
    Django's test client, keep the request signals from closing the test's connection."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]  # schemathesis's host
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
