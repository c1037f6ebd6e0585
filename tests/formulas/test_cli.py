"""`python -m formulas eval`, run as engineers run it: a subprocess printing one JSON line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CONTEXT = {
    "ai": {
        "E42P": {"value": 3.0, "q": 0, "escala": 1.5},
        "E42Q": {"value": 4.0, "q": 1},
    },
    "di": {"E4DI00": {"value": 1, "q": 0}},
    "sv": {"E4SV00": {"value": 3}},
    "eg": {"E4289I05": {"text": "1", "fill": 3, "stroke": 2, "mark": 0}},
}


def run(*arguments: str) -> tuple[int, dict]:
    result = subprocess.run(
        [sys.executable, "-m", "formulas", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    lines = result.stdout.splitlines()
    assert len(lines) == 1, (result.stdout, result.stderr)
    assert result.stderr == ""
    return result.returncode, json.loads(lines[0])


@pytest.fixture
def context(tmp_path: Path) -> str:
    path = tmp_path / "context.json"
    path.write_text(json.dumps(CONTEXT), encoding="utf-8")
    return str(path)


def test_a_value(context):
    assert run("eval", "SI(di.E4DI00.value,1,2)", "--context", context) == (0, {"value": 1})
    power = "str(RAIZ(ai.E42P.value*ai.E42P.value+ai.E42Q.value*ai.E42Q.value)*ai.E42P.escala)"
    assert run("eval", power, "--context", context) == (0, {"value": "7.5"})
    assert run("eval", "SI(eg.E4289I05.stroke=2,TRUE,FALSE)", "--context", context) == (
        0,
        {"value": True},
    )


def test_without_a_context_inputs_are_missing():
    assert run("eval", "1+1") == (0, {"value": 2})
    assert run("eval", "SI(di.X.value,1,2)") == (0, {"value": "#REF!"})


def test_an_error_value_is_a_value(context):
    assert run("eval", "1/0") == (0, {"value": "#DIV/0!"})
    assert run("eval", "ai.E42Q.escala", "--context", context) == (0, {"value": "#REF!"})


def test_a_syntax_error():
    code, report = run("eval", "SI(1,2")
    assert code == 1
    assert report == {
        "error": "the formula ends before a '(' is closed; expected ',' or ')'",
        "kind": "syntax",
        "position": 6,
    }


def test_a_name_error_for_a_tag_missing_from_the_context(context):
    code, report = run("eval", "di.E4DI00.value+di.NOPE.value", "--context", context)
    assert (code, report["kind"], report["position"]) == (1, "name", 16)
    assert "di.NOPE" in report["error"]


def test_a_limit_error():
    code, report = run("eval", "1" * 2_001)
    assert (code, report["kind"], report["position"]) == (1, "limit", 2_000)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{not json", "cannot read the context file"),
        ("[1, 2]", "must be a JSON object"),
        ('{"xx": {}}', "unknown kind 'xx'"),
        ('{"ai": []}', "must map tags"),
        ('{"ai": {"T": 1}}', "must map attributes"),
        ('{"di": {"T": {"escala": 1}}}', "no attribute 'escala'"),
        ('{"ai": {"T": {"value": [1]}}}', "must be a single value"),
        ('{"ai": {"T": {"value": NaN}}}', "NaN is not a number"),
        ('{"ai": {"T": {"value": 1e999}}}', "1e999 is too large"),
    ],
)
def test_a_bad_context_file(tmp_path, content, fragment):
    path = tmp_path / "context.json"
    path.write_text(content, encoding="utf-8")
    code, report = run("eval", "1", "--context", str(path))
    assert (code, report["kind"], report["position"]) == (1, "runtime", None)
    assert fragment in report["error"]


def test_a_missing_or_unreadable_context_file(tmp_path):
    code, report = run("eval", "1", "--context", str(tmp_path / "missing.json"))
    assert (code, report["kind"]) == (1, "runtime")
    code, report = run("eval", "1", "--context", str(tmp_path))
    assert (code, report["kind"]) == (1, "runtime")
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00")
    code, report = run("eval", "1", "--context", str(binary))
    assert (code, report["kind"]) == (1, "runtime")


@pytest.mark.parametrize(
    ("arguments", "value"),
    [
        (("eval", "-1+2"), 1),
        (("eval", "-(3*2)"), -6),
        (("eval", "--", "-5"), -5),
    ],
)
def test_a_formula_starting_with_a_minus_is_the_formula(arguments, value):
    assert run(*arguments) == (0, {"value": value})


def test_a_formula_starting_with_a_minus_before_or_after_the_context(context):
    assert run("eval", "-ai.E42P.value", "--context", context) == (0, {"value": -3.0})
    assert run("eval", f"--context={context}", "-ai.E42P.value*2") == (0, {"value": -6.0})


@pytest.mark.parametrize(
    "arguments",
    [(), ("eval",), ("frobnicate", "1"), ("eval", "1", "--x"), ("eval", "-1", "--context")],
)
def test_wrong_arguments_are_a_json_error_too(arguments):
    code, report = run(*arguments)
    assert (code, report["kind"]) == (1, "runtime")
    assert "usage" in report["error"]
