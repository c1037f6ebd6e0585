"""Every case of the shared vectors.txt, through the library and through the decode tool."""

import json
import subprocess
import sys

import pytest

from protocols.mara import MaraError, decode_frame
from protocols.mara.jsonform import frame_as_dict

from .support import ROOT


def _compact(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def test_vectors_decode_to_exactly_the_expected_objects(vectors: list[tuple[str, str]]) -> None:
    assert len(vectors) == 13
    for frame, expected in vectors:
        data = bytes.fromhex(frame)
        if json.loads(expected)["ok"]:
            assert _compact(frame_as_dict(decode_frame(data))) == expected, frame
        else:
            with pytest.raises(MaraError):
                decode_frame(data)


def test_decode_tool_prints_the_expected_lines(vectors: list[tuple[str, str]]) -> None:
    frames = "# copied from a log\n\n" + "\n".join(frame for frame, _ in vectors) + "\n"
    result = subprocess.run(
        [sys.executable, "-m", "protocols.mara", "decode"],
        input=frames,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    printed = result.stdout.splitlines()
    assert len(printed) == len(vectors)
    for line, (frame, expected) in zip(printed, vectors, strict=True):
        if json.loads(expected)["ok"]:
            assert line == expected, frame
        else:
            rejected = json.loads(line)
            assert rejected["ok"] is False and rejected["error"], frame
    assert result.returncode == 1, "three frames are bad"


def test_decode_tool_reads_a_file_and_exits_0_when_all_decode(
    vectors: list[tuple[str, str]], tmp_path
) -> None:
    good = [frame for frame, expected in vectors if json.loads(expected)["ok"]]
    path = tmp_path / "frames.hex"
    path.write_text("\n".join(frame.replace(" ", ":") for frame in good) + "\n")
    result = subprocess.run(
        [sys.executable, "-m", "protocols.mara", "decode", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 0
    expected = [line for frame, line in vectors if frame in good]
    assert result.stdout.splitlines() == expected
