"""History policies in the database: checked as the admin and profile files check them,
edited in the admin, round-tripped through profile files, read by the poller's
configuration; no-data marks and samples stored once on a journal replay, and shown as
gaps by ``/api/history/``. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict

from poll.acquisition.batch import SampleRow, WriteBatch, to_micros
from poll.acquisition.history_policy import HistoryPolicy
from poll.acquisition.modbus.config import load_modbus_site
from poll.acquisition.options import PollerOptions
from poll.acquisition.point_states import NO_DATA
from poll.acquisition.store import BatchStore
from poll.models import AI, DI, Point, Profile, Sample
from poll.models.points import HISTORY_FIELDS, HistoryMode
from poll.profiles import ProfileFileError, export_profile, load_profile

S = 1_000_000


def problems(point: Point) -> dict[str, list[str]]:
    try:
        point.full_clean()
    except ValidationError as error:
        return error.message_dict
    return {}


def test_the_minimum_interval_must_be_shorter_than_the_maximum(point: Point) -> None:
    point.history_min_interval, point.history_max_interval = 60.0, 60.0
    assert problems(point) == {
        "history_min_interval": [
            "The minimum interval (60 s) must be shorter than the maximum interval "
            "(60 s; 0 for none)."
        ]
    }
    point.history_max_interval = 0.0  # no heartbeat: any minimum
    assert problems(point) == {}


def test_a_deadband_in_percent_needs_a_span_and_is_at_most_100(point: Point) -> None:
    point.deadband, point.deadband_percent = 2.0, True
    message = "A deadband in % of the span needs a low and a high limit, high above low."
    assert problems(point) == {"deadband_percent": [message]}
    point.low_limit = point.high_limit = 5.0
    assert problems(point) == {"deadband_percent": [message]}
    point.high_limit = 10.0
    assert problems(point) == {}
    point.deadband = 150.0
    assert problems(point) == {"deadband": ["A deadband in % of the span is at most 100."]}
    point.history = HistoryMode.CHANGE  # the deadband is not used: nothing to refuse
    assert problems(point) == {}


def test_negative_intervals_and_deadbands_are_refused(point: Point) -> None:
    point.history_min_interval, point.deadband = -1.0, -0.5
    assert set(problems(point)) == {"history_min_interval", "deadband"}


def test_the_poller_reads_each_points_policy(pens: list[Point]) -> None:
    level, flow = pens
    level.deadband, level.deadband_percent, level.low_limit, level.high_limit = 1, True, 0, 50
    level.history_min_interval, level.history_max_interval = 2.5, 60
    level.save()
    flow.history = HistoryMode.OFF
    flow.save()
    site = load_modbus_site(level.profile, PollerOptions.from_settings())
    (device,) = site.devices.values()
    policies = {spec.tag: spec.history for spec in device.points}
    assert policies == {"LEVEL": HistoryPolicy(0.5, 2_500_000, 60 * S), "FLOW": None}


def test_the_admin_edits_a_policy_and_shows_its_errors(point: Point, client, role_user) -> None:
    client.force_login(role_user("engineer"))
    url = f"/admin/poll/ai/{point.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    for name in HISTORY_FIELDS:
        assert f'name="{name}"'.encode() in page.content
    form = page.context["adminform"].form
    data = {
        name: "" if value is None else value
        for name, value in model_to_dict(point, fields=list(form.fields)).items()
    }
    bad = {**data, "history_min_interval": "900", "history_max_interval": "600"}
    refused = client.post(url, bad)
    assert refused.status_code == 200 and b"must be shorter than the maximum" in refused.content
    good = {**data, "history": "every", "history_min_interval": "1", "history_max_interval": "0"}
    assert client.post(url, good).status_code == 302
    point.refresh_from_db()
    assert (point.history, point.history_min_interval, point.history_max_interval) == (
        "every",
        1.0,
        0.0,
    )


def policy_site() -> dict:
    """A profile file with a policy on a Mara DI and AI and on a Modbus AI."""
    return {
        "profile": {"name": "Policies"},
        "comasters": [
            {
                "name": "E4",
                "host": "127.0.0.1",
                "ieds": [
                    {
                        "offset": 1,
                        "address": 1,
                        "name": "Feeder relay",
                        "di": [
                            {"tag": "BRK", "port": 0, "bit": 0, "history": "off"},
                        ],
                        "ai": [
                            {
                                "tag": "AMPS",
                                "low": 0.0,
                                "high": 400.0,
                                "deadband": 0.5,
                                "deadband_percent": True,
                                "history_min_interval": 5.0,
                                "history_max_interval": 300.0,
                            },
                            {"tag": "KWH", "offset": 1, "history": "every"},
                        ],
                    }
                ],
            }
        ],
        "modbus_devices": [
            {
                "name": "PLC",
                "host": "127.0.0.1",
                "points": [
                    {
                        "tag": "LEVEL",
                        "table": "holding_register",
                        "address": 0,
                        "type": "uint16",
                        "history": "change",
                        "history_max_interval": 0.0,
                    }
                ],
            }
        ],
    }


@pytest.mark.django_db
def test_a_profile_file_round_trips_the_policies() -> None:
    profile = load_profile(policy_site())
    amps = AI.objects.get(tag="AMPS")
    assert (amps.history_mode, amps.deadband, amps.deadband_percent) == ("deadband", 0.5, True)
    assert (amps.history_min_interval, amps.history_max_interval) == (5.0, 300.0)
    assert DI.objects.get(tag="BRK").history == "off"
    assert AI.objects.get(tag="KWH").history == "every"
    level = AI.objects.get(tag="LEVEL")
    assert (level.history, level.history_max_interval) == ("change", 0.0)
    exported = export_profile(profile)
    ai = exported["comasters"][0]["ieds"][0]["ai"][0]
    assert {name: ai[name] for name in HISTORY_FIELDS} == {
        "history": "",
        "deadband": 0.5,
        "deadband_percent": True,
        "history_min_interval": 5.0,
        "history_max_interval": 300.0,
    }
    assert exported["modbus_devices"][0]["points"][0]["history"] == "change"
    load_profile(exported)
    assert export_profile(Profile.objects.get(pk=profile.pk)) == exported


@pytest.mark.django_db
def test_a_profile_file_with_bad_policies_lists_every_problem() -> None:
    data = policy_site()
    ai = data["comasters"][0]["ieds"][0]["ai"]
    ai[0]["history_min_interval"] = 600.0
    ai[1].update(deadband=5, deadband_percent=True, history="deadband")
    data["modbus_devices"][0]["points"][0]["history"] = "sometimes"
    with pytest.raises(ProfileFileError) as excinfo:
        load_profile(data)
    assert excinfo.value.problems == [
        "comasters[0].ieds[0].ai[0] (AI AMPS), history_min_interval: The minimum interval "
        "(600 s) must be shorter than the maximum interval (300 s; 0 for none).",
        "comasters[0].ieds[0].ai[1] (AI KWH), deadband_percent: "
        "A deadband in % of the span needs a low and a high limit, high above low.",
        "modbus_devices[0].points (LEVEL) (AI LEVEL), history: "
        "Value 'sometimes' is not a valid choice.",
    ]
    assert not Profile.objects.exists()


T0 = to_micros(datetime(2024, 5, 1, 12, 0, tzinfo=UTC))


def test_a_replayed_batch_stores_its_samples_and_no_data_mark_once(point: Point) -> None:
    def batch() -> WriteBatch:
        written = WriteBatch()
        written.samples += [
            SampleRow(point.pk, T0, 1.5, 0),
            SampleRow(point.pk, T0 + S, None, NO_DATA),
            SampleRow(point.pk, T0 + 2 * S, 2.5, 0),
        ]
        return written

    store = BatchStore()
    store.write(batch())
    store.write(batch())  # the journal replays an entry whose commit was not confirmed
    rows = Sample.objects.filter(point=point).order_by("time").values_list("value", "q")
    assert list(rows) == [(1.5, 0), (None, NO_DATA), (2.5, 0)]


def test_the_api_shows_a_no_data_mark_as_a_gap(point: Point, role_user) -> None:
    from rest_framework.test import APIClient

    start = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    store = BatchStore()
    written = WriteBatch()
    written.samples += [
        SampleRow(point.pk, to_micros(start), 1.0, 0),
        SampleRow(point.pk, to_micros(start + timedelta(seconds=10)), None, NO_DATA),
        SampleRow(point.pk, to_micros(start + timedelta(seconds=30)), 3.0, 0),
    ]
    store.write(written)
    viewer = APIClient()
    viewer.force_authenticate(role_user("viewer"))
    end = start + timedelta(seconds=40)
    query = {
        "tag": point.tag,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "max_points": "4",
    }
    series = viewer.get("/api/history/", query).json()["series"][0]
    assert series["avg"] == series["min"] == series["max"] == [1.0, None, 3.0]
    assert [t[17:19] for t in series["t"]] == ["00", "10", "30"]  # buckets with samples
