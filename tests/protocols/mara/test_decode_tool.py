"""The decode tool on whatever engineers paste into it: it never crashes."""

import io
import json
import subprocess
import sys

from protocols.mara.decode_tool import MAX_LINE_LENGTH, run_decode

from .support import ROOT

POLL = "FE 08 01 40 80 10 80 A7"
POLL_JSON = '{"ok":true,"qty":8,"dst":1,"src":64,"seq":128,"cmd":16}'


def decode(text: bytes) -> tuple[int, list[dict]]:
    output = io.StringIO()
    status = run_decode(io.BytesIO(text), output)
    return status, [json.loads(line) for line in output.getvalue().splitlines()]


def test_separators_comments_and_blank_lines() -> None:
    lines = ["# a comment", "", f"  {POLL}  ", "FE:08:01:40:80:10:80:A7\r", "FE080140801080A7"]
    text = "\n".join([*lines, "FE0801 408010 80A7", ""])
    status, results = decode(text.encode())
    assert status == 0
    assert len(results) == 4 and all(result["ok"] for result in results)


def test_bad_lines_are_reported_and_the_next_line_is_decoded() -> None:
    text = "\n".join(["hello", "FE 8 01", "F", "::", POLL, "FE 08 01 40 80 10 80 A8", POLL])
    status, results = decode(text.encode())
    assert status == 1
    assert [result["ok"] for result in results] == [False, False, False, False, True, False, True]
    assert all(result["error"] for result in results if not result["ok"])


def test_binary_junk_and_huge_lines() -> None:
    junk = bytes(range(256)) * 4
    huge = b"FE" * (MAX_LINE_LENGTH * 3)
    status, results = decode(junk + b"\n" + huge + b"\n" + POLL.encode() + b"\n" + huge)
    assert status == 1
    assert results[-2]["ok"] is True
    assert any("longer than" in result.get("error", "") for result in results)


def test_empty_input_decodes_nothing_successfully() -> None:
    assert decode(b"") == (0, [])


def test_command_line_on_standard_input() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "protocols.mara", "decode"],
        input=f"{POLL}\n\x00\xff junk\n".encode(),
        capture_output=True,
        cwd=ROOT,
        timeout=60,
    )
    lines = result.stdout.decode().splitlines()
    assert lines[0] == POLL_JSON
    assert json.loads(lines[1])["ok"] is False
    assert result.returncode == 1
    assert result.stderr == b""


def test_command_line_missing_file() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "protocols.mara", "decode", str(ROOT / "no-such-file.hex")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 2
    assert "no-such-file.hex" in result.stderr
