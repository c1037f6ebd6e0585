"""Reading the simulator's view of a profile file."""

import json

import pytest

from protocols.mara.simulator import ProfileError, load_profile, parse_profile

from .support import profile_document


def test_points_in_reply_order() -> None:
    e4, e5 = parse_profile(profile_document())
    assert (e4.name, e4.port, e4.address, e4.master_address) == ("E4", 9761, 1, 0x40)
    assert [point.tag for point in e4.digital] == ["E4DI00", "E4DI01", "E4BRK05"]
    assert [point.tag for point in e4.analog] == ["E4V00", "E4P05", "E4E05"]
    assert e4.digital[1].inverted and e4.digital[0].value == 1
    assert (e4.digital[2].ied_address, e4.digital[2].port, e4.digital[2].bit) == (5, 1, 3)
    assert e4.analog[2].channel == 0 and e4.analog[0].channel is None
    # 245 - 4 count bytes - 12 SV - 2 DI - 6 AI = 221 bytes: 22 events
    assert (e4.sv_size, e4.di_words, e4.events_per_reply) == (12, 1, 22)
    assert (e5.di_words, e5.events_per_reply) == (2, 22)


def test_offsets_order_points_whatever_the_file_order() -> None:
    document = profile_document()
    ieds = document["comasters"][0]["ieds"]
    ieds.reverse()
    ieds[1]["di"].reverse()
    assert [point.tag for point in parse_profile(document)[0].digital] == [
        "E4DI00",
        "E4DI01",
        "E4BRK05",
    ]


def test_sim_hints_are_optional() -> None:
    document = {
        "comasters": [{"name": "X", "ieds": [{"di": [{"tag": "D"}], "ai": [{"tag": "A"}]}]}]
    }
    (comaster,) = parse_profile(document)
    assert comaster.digital[0].value == 0 and comaster.digital[0].flips_per_hour > 0
    assert comaster.digital[0].opening == ()
    assert comaster.analog[0].raw == 2048 and comaster.analog[0].spread > 0


def _broken(change) -> dict:
    document = profile_document()
    change(document)
    return document


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({}, "comasters"),
        ({"comasters": [{"ieds": []}]}, "name"),
        (_broken(lambda d: d["comasters"][1].update(name="E4")), "unique"),
        (_broken(lambda d: d["comasters"][0].update(port="9761")), "port must be a number"),
        (_broken(lambda d: d["comasters"][0]["ieds"][0]["ai"][0]["sim"].update(raw=5000)), "raw"),
        (_broken(lambda d: d["comasters"][0]["ieds"][0]["di"][1].update(tag="E4DI00")), "unique"),
        (_broken(lambda d: d["comasters"][0]["ieds"][0].update(di={})), "list"),
        (
            _broken(lambda d: d["comasters"][0]["ieds"][0]["di"][0]["sim"].update(opening=[-1])),
            "opening",
        ),
        (
            _broken(lambda d: d["comasters"][0]["ieds"][0]["di"][0]["sim"].update(opening=5)),
            "opening",
        ),
        (
            _broken(
                lambda d: d["comasters"][0]["ieds"][0].update(
                    ai=[{"tag": f"A{n}"} for n in range(130)]
                )
            ),
            "no room",
        ),
    ],
)
def test_profile_errors_say_where_and_what(document: dict, message: str) -> None:
    with pytest.raises(ProfileError, match=message):
        parse_profile(document)


def test_load_from_file(tmp_path) -> None:
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(profile_document()))
    assert [comaster.name for comaster in load_profile(path)] == ["E4", "E5"]
    path.write_text("{not json")
    with pytest.raises(ProfileError, match="not valid JSON"):
        load_profile(path)
    with pytest.raises(ProfileError, match="cannot read"):
        load_profile(tmp_path / "missing.json")
