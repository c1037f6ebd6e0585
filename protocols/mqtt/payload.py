"""Where a point's value sits in an MQTT payload, and how it is read (sans-I/O).

A :class:`PayloadPath` is written as text in the profile and the admin:

- ``""`` (empty): the whole payload is the value, a plain number or text (``12.5``, ``on``);
- ``meas1`` or ``a.b``: a field of a JSON object, nested fields separated by dots;
- ``[number == 0].vreq``: the element of a JSON list whose key ``number`` equals ``0``,
  then its field ``vreq`` (the detector's supplies publish one object per channel);
- ``[2]``: the element of a JSON list at that index.

The literal after ``==`` is read as JSON (``0``, ``"ch0"``, ``true``): never evaluated.
A :class:`PayloadMapping` adds the data type, scale, offset and unit. Decoding either gives
a value or raises :class:`~protocols.mqtt.errors.MalformedPayload`: the caller counts it and
stores nothing, so a point never takes a wrong value. Other payload formats (Sparkplug B)
would be another ``PayloadFormat`` with its own document reader; the paths stay the same.
"""

from __future__ import annotations

import enum
import json
import math
import re
from dataclasses import dataclass
from typing import Any

from .errors import BadPath, MalformedPayload

Value = float | int | bool | str
"""A point's value once read from a payload."""


@dataclass(frozen=True)
class Field:
    """An object's field."""

    name: str


@dataclass(frozen=True)
class Index:
    """A list's element by position."""

    position: int


@dataclass(frozen=True)
class Select:
    """A list's element whose ``key`` equals ``value`` (the first such)."""

    key: str
    value: Any


Step = Field | Index | Select

_STEP = re.compile(
    r"""(?P<field>[^.\[\]\s]+)
      | \[\s*(?P<index>-?\d+)\s*\]
      | \[\s*(?P<key>[^\s=\[\]]+)\s*==\s*(?P<literal>[^\]]+?)\s*\]""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class PayloadPath:
    """The steps from a payload's JSON document to a value; no step: the plain payload."""

    steps: tuple[Step, ...] = ()

    @classmethod
    def parse(cls, text: str) -> PayloadPath:
        """Read a path written as in the module docstring; :class:`BadPath` if it is not one."""
        text = text.strip()
        steps: list[Step] = []
        position = 0
        while position < len(text):
            if steps and text[position] == ".":
                position += 1
            match = _STEP.match(text, position)
            if match is None:
                raise BadPath(f"cannot read the payload path {text!r} at {text[position:]!r}")
            steps.append(_step(match, text))
            position = match.end()
        return cls(tuple(steps))

    @property
    def plain(self) -> bool:
        return not self.steps

    def __str__(self) -> str:
        parts: list[str] = []
        for step in self.steps:
            if isinstance(step, Field):
                parts.append(("." if parts else "") + step.name)
            elif isinstance(step, Index):
                parts.append(f"[{step.position}]")
            else:
                parts.append(f"[{step.key} == {json.dumps(step.value)}]")
        return "".join(parts)

    def find(self, document: Any) -> Any:
        """The value at this path in a parsed JSON ``document``."""
        node = document
        for step in self.steps:
            node = _walk(node, step)
        return node


def _step(match: re.Match[str], text: str) -> Step:
    if match["field"] is not None:
        return Field(match["field"])
    if match["index"] is not None:
        return Index(int(match["index"]))
    try:
        literal = json.loads(match["literal"])
    except ValueError:
        raise BadPath(f"{match['literal']!r} in {text!r} is not a JSON literal") from None
    if isinstance(literal, (dict, list)):
        raise BadPath(f"a selector compares with a number, text or boolean: {text!r}")
    return Select(match["key"], literal)


def _walk(node: Any, step: Step) -> Any:
    if isinstance(step, Field):
        if not isinstance(node, dict) or step.name not in node:
            raise MalformedPayload(f"no field {step.name!r}")
        return node[step.name]
    if not isinstance(node, list):
        raise MalformedPayload("not a list")
    if isinstance(step, Index):
        try:
            return node[step.position]
        except IndexError:
            raise MalformedPayload(f"no element {step.position}") from None
    for element in node:
        if isinstance(element, dict) and _same(element.get(step.key), step.value):
            return element
    raise MalformedPayload(f"no element with {step.key} == {json.dumps(step.value)}")


def _same(found: Any, wanted: Any) -> bool:
    """JSON equality, where ``true`` is not ``1`` (as Python would have it)."""
    return isinstance(found, bool) == isinstance(wanted, bool) and found == wanted


class DataType(enum.Enum):
    """What a point holds."""

    FLOAT = "float"
    INT = "int"
    BOOL = "bool"
    TEXT = "text"


_TRUE = frozenset({"1", "on", "true", "yes"})
_FALSE = frozenset({"0", "off", "false", "no"})


@dataclass(frozen=True)
class PayloadMapping:
    """How one point reads its value: path, type and, for numbers, ``raw * scale + offset``."""

    path: PayloadPath = PayloadPath()
    data_type: DataType = DataType.FLOAT
    scale: float = 1.0
    offset: float = 0.0
    unit: str = ""

    def read(self, payload: bytes, document: Any = None) -> Value:
        """The value of this point in ``payload``. ``document`` is the payload already
        parsed (:func:`parse_document`), so that the points of one message parse it once."""
        if self.path.plain:
            raw: Any = _text(payload).strip()
        else:
            if document is None:
                document = parse_document(payload)
            raw = self.path.find(document)
        return self.convert(raw)

    def convert(self, raw: Any) -> Value:
        """``raw`` (a JSON value, or text from a plain payload) as this point's type."""
        if self.data_type is DataType.TEXT:
            if isinstance(raw, (dict, list)) or raw is None:
                raise MalformedPayload("not a text")
            return raw if isinstance(raw, str) else json.dumps(raw)
        if self.data_type is DataType.BOOL:
            return _boolean(raw)
        number = _number(raw)
        if self.data_type is DataType.INT:
            if number != int(number):
                raise MalformedPayload(f"{number!r} is not a whole number")
            if self.scale == 1.0 and self.offset == 0.0:
                return int(number)
        return number * self.scale + self.offset


def parse_document(payload: bytes) -> Any:
    """The JSON document in ``payload``; :class:`MalformedPayload` if there is none."""
    try:
        return json.loads(_text(payload))
    except ValueError:
        raise MalformedPayload("not JSON") from None


def _text(payload: bytes) -> str:
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedPayload("not UTF-8 text") from None


def _number(raw: Any) -> float:
    if isinstance(raw, bool) or raw is None or isinstance(raw, (dict, list)):
        raise MalformedPayload("not a number")
    try:
        number = float(raw)
    except (TypeError, ValueError):
        raise MalformedPayload(f"{str(raw)[:40]!r} is not a number") from None
    if not math.isfinite(number):
        raise MalformedPayload("not a finite number")
    return number


def _boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str):
        word = raw.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise MalformedPayload(f"{str(raw)[:40]!r} is not on/off")
