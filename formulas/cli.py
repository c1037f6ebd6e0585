"""`python -m formulas eval "SOURCE" [--context FILE.json]`: try a formula.

Every argument of `eval` other than its options (`--context FILE`, `-h`) is the formula, even
one starting with `-` such as `-1+2`: a formula is not an option, and an engineer should not
need to know argparse's `--` to type a negative number.

Prints one JSON object on one line: `{"value": ...}` (an error value as its code, e.g.
`{"value": "#DIV/0!"}`), exit status 0; or `{"error": "...", "kind": "syntax|name|limit|
runtime", "position": N or null}`, exit status 1. It never ends with a traceback.

The context file gives the inputs, e.g.
`{"ai": {"E42P": {"value": 1.5, "q": 0, "escala": 1.0}}, "eg": {"E1": {"fill": 3}}}`.
With a context, a tag missing from it is a name error; an attribute missing from a listed
tag reads as `#REF!`.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from formulas.compiler import KnownTags, compile_formula
from formulas.errors import FormulaError
from formulas.names import ATTRIBUTES, Ref
from formulas.values import FormulaErrorValue

Report = dict[str, Any]


class CommandError(Exception):
    """The command cannot run as asked: wrong arguments or an unusable context file."""


CONTEXT_OPTION = "--context"
HELP_OPTIONS = ("-h", "--help")


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise CommandError(f"{message} ({self.format_usage().strip()})")


def _argument_parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(prog="python -m formulas", description="SMVE formula tools")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_ArgumentParser)
    evaluate = commands.add_parser(
        "eval", help="evaluate one formula and print it as JSON", allow_abbrev=False
    )
    evaluate.add_argument("source", help="the formula, e.g. 'SI(di.E4DI00.value,1,2)'")
    evaluate.add_argument(CONTEXT_OPTION, type=Path, help="a JSON file with the inputs")
    return parser


def _formula_not_an_option(argv: Sequence[str]) -> list[str]:
    """``argv`` with the arguments of ``eval`` that are not its options moved after a ``--``,
    so that argparse reads ``-1+2`` as the formula instead of an unknown option."""
    if not argv or argv[0] != "eval":
        return list(argv)
    options: list[str] = []
    formula: list[str] = []
    arguments = iter(argv[1:])
    for argument in arguments:
        if argument == "--":
            formula.extend(arguments)
        elif argument == CONTEXT_OPTION:
            options += [argument, *itertools.islice(arguments, 1)]
        elif argument in HELP_OPTIONS or argument.startswith(f"{CONTEXT_OPTION}="):
            options.append(argument)
        else:
            formula.append(argument)
    return ["eval", *options, "--", *formula]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    try:
        arguments = _argument_parser().parse_args(
            _formula_not_an_option(sys.argv[1:] if argv is None else argv)
        )
        report = evaluate_source(arguments.source, arguments.context)
    except CommandError as error:
        report = _error_report(str(error), "runtime")
    except Exception as error:
        report = _error_report(f"unexpected failure: {error!r}", "runtime")
    print(json.dumps(report, ensure_ascii=False))
    return 1 if "error" in report else 0


def evaluate_source(source: str, context_path: Path | None) -> Report:
    """The report for one formula, with inputs from `context_path` when given."""
    lookup: dict[Ref, Any] = {}
    known_tags: KnownTags | None = None
    if context_path is not None:
        lookup, known_tags = load_context(context_path)
    try:
        formula = compile_formula(source, known_tags)
    except FormulaError as error:
        return _error_report(str(error), error.kind, error.position)
    value = formula.evaluate(lookup)
    return {"value": value.code if type(value) is FormulaErrorValue else _json_value(value)}


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _error_report(message: str, kind: str, position: int | None = None) -> Report:
    return {"error": message, "kind": kind, "position": position}


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a number")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is too large")
    return number


def load_context(path: Path) -> tuple[dict[Ref, Any], dict[str, set[str]]]:
    """The lookup and the known tags described by a context file."""
    try:
        data = json.loads(
            path.read_text(encoding="utf-8"), parse_float=_finite, parse_constant=_reject_constant
        )
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise CommandError(f"cannot read the context file {path}: {error}") from None
    if not isinstance(data, dict):
        raise CommandError('the context must be a JSON object such as {"ai": {...}}')
    lookup: dict[Ref, Any] = {}
    known_tags: dict[str, set[str]] = {kind: set() for kind in ATTRIBUTES}
    for kind, points in data.items():
        if kind not in ATTRIBUTES:
            raise CommandError(f"unknown kind {kind!r} in the context (ai, di, sv or eg)")
        if not isinstance(points, dict):
            raise CommandError(f"context {kind!r} must map tags to their attributes")
        for tag, attributes in points.items():
            if not isinstance(attributes, dict):
                raise CommandError(f"context {kind}.{tag} must map attributes to values")
            known_tags[kind].add(tag)
            for attr, value in attributes.items():
                if attr not in ATTRIBUTES[kind]:
                    known = ", ".join(ATTRIBUTES[kind])
                    raise CommandError(f"context {kind}.{tag}: no attribute {attr!r} ({known})")
                if isinstance(value, list | dict):
                    raise CommandError(f"context {kind}.{tag}.{attr} must be a single value")
                lookup[Ref(kind, tag, attr)] = value
    return lookup, known_tags
