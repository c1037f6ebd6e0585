"""Alarm formulas: a condition alarm's formula and any alarm's suppress-by-design condition.

They are written in the screens' formula language (docs/formulas.md) and compiled by its
compiler against the tags of the definition's profile, so an unknown point or a syntax
error is refused when the definition is saved, with the compiler's message. They read
field points only (``ai``, ``di``, ``sv``), never screen elements: an alarm must not depend
on how a screen is drawn.

Also here: what makes a definition valid, shared by the admin and profile files (the model's
``clean`` calls :func:`definition_problems`).
"""

from __future__ import annotations

from typing import Any

from formulas import CompiledFormula, FormulaError, compile_formula, describe_problem
from formulas.values import ErrorSignal, FormulaErrorValue, as_bool
from poll.models import Point

FIELD_KINDS = ("ai", "di", "sv")
LIMIT_KINDS = frozenset({"hh", "h", "l", "ll", "digital"})
LINK_FIELDS = ("comaster", "ied", "modbus_device", "mqtt_device")

KnownTagSets = dict[str, set[str]]


def known_tags(profile_id: int) -> KnownTagSets:
    """The profile's point tags by kind, as the compiler checks names against them."""
    tags: KnownTagSets = {kind: set() for kind in FIELD_KINDS}
    for kind, tag in Point.objects.filter(profile_id=profile_id).values_list("kind", "tag"):
        tags.setdefault(kind, set()).add(tag)
    return tags


def compile_condition(source: str, tags: KnownTagSets) -> CompiledFormula:
    """Compile an alarm formula, or raise ``FormulaError``."""
    return compile_formula(source, tags)


def truth(result: Any) -> bool | None:
    """A formula's result as a condition (Excel's rules: a number is true when not zero,
    empty is false); None when it is an error value, so that a formula that cannot be
    computed (an input with a text, a division by zero) changes nothing."""
    if isinstance(result, FormulaErrorValue):
        return None
    try:
        return as_bool(result)
    except ErrorSignal:
        return None


def definition_problems(definition: Any) -> dict[str, list[str]]:
    """What is wrong with an alarm definition, by field (empty when it is valid)."""
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    kind, profile_id = definition.kind, definition.profile_id
    links = [name for name in LINK_FIELDS if getattr(definition, f"{name}_id") is not None]
    if kind in LIMIT_KINDS and definition.point_id is None:
        add("point", "A limit or digital alarm needs the point it judges.")
    if kind == "comm_loss":
        if len(links) != 1:
            add(
                "kind",
                "A communication-loss alarm names exactly one link (COMaster, IED, "
                "Modbus device or MQTT device).",
            )
        if definition.point_id is not None:
            add("point", "A communication-loss alarm judges a link, not a point.")
    elif links:
        add(links[0], "Only a communication-loss alarm names a link.")
    if kind == "condition" and not definition.condition.strip():
        add("condition", "A condition alarm needs its formula.")
    elif kind != "condition" and definition.condition.strip():
        add("condition", "Only a condition alarm has a condition formula.")
    if profile_id is None:
        return problems
    if definition.point_id is not None and definition.point.profile_id != profile_id:
        add("point", "The point belongs to another profile.")
    for name in links:
        if _profile_of_link(getattr(definition, name)) != profile_id:
            add(name, "The link belongs to another profile.")
    formulas = [
        ("condition", definition.condition),
        ("suppress_condition", definition.suppress_condition),
    ]
    if any(source.strip() for _, source in formulas):
        tags = known_tags(profile_id)
        for field, source in formulas:
            message = formula_problem(source, tags)
            if message:
                add(field, message)
    return problems


def formula_problem(source: str, tags: KnownTagSets) -> str:
    """The compiler's message for ``source``, or "" when it compiles (or is empty)."""
    if not source.strip():
        return ""
    try:
        compile_condition(source, tags)
    except FormulaError as error:
        return describe_problem(source, error)
    return ""


def _profile_of_link(link: Any) -> int:
    """The profile of a COMaster, Modbus or MQTT device (directly) or an IED (its COMaster)."""
    if hasattr(link, "comaster_id") and not hasattr(link, "profile_id"):
        profile_id: int = link.comaster.profile_id
        return profile_id
    owner: int = link.profile_id
    return owner
