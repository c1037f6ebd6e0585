"""Screens, the graphic elements bound to tags in them, and the formulas that drive them.

A graphic element is one tag of the profile's drawings: the same breaker may be drawn on
the overview and on its station's detail screen, and both show the one element. That keeps
``eg.TAG.attr`` in formulas unambiguous and every formula written once.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from formulas import CompiledFormula, FormulaError, Ref, Target, compile_formula
from formulas.names import TARGET_ATTRIBUTES
from hmi.css_colours import validate_css_colour
from hmi.formula_checks import ProfileFormulas, StoredGraph, format_inputs
from poll.live_state import LiveStateModel
from poll.models import Point, Profile
from poll.models.points import tag_validator


class Screen(models.Model):
    """One SVG drawing; screens form a tree from the root overview to detail screens."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="screens")
    name = models.CharField(max_length=100)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    svg = models.TextField(blank=True, help_text="The sanitised SVG drawing.")
    order = models.PositiveSmallIntegerField(default=0)
    description = models.CharField(max_length=200, blank=True)
    links = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="linked_by",
        help_text="Screens the drawing's own links (not bound to a tag) open.",
    )

    class Meta:
        ordering = ["profile", "order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "name"],
                name="screen_name_unique_in_profile",
                violation_error_message="A screen with this name exists in the profile.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class GraphicElement(LiveStateModel):
    """An element of the drawings, found by its tag; formulas set its attributes."""

    LIVE_FIELDS = (
        "text",
        "fill",
        "stroke",
        "mark",
        "error",
        "current",
        "revision",
        "updated_at",
    )

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="elements")
    tag = models.CharField(max_length=40, validators=[tag_validator])
    description = models.CharField(max_length=200, blank=True)
    screens = models.ManyToManyField(Screen, blank=True, related_name="elements")
    link = models.ForeignKey(
        Screen,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="linked_from",
        help_text="The screen a click on this element opens.",
    )

    # Attribute values, written by the formula engine.
    text = models.CharField(max_length=200, blank=True, editable=False)
    fill = models.SmallIntegerField(null=True, blank=True, editable=False)
    stroke = models.SmallIntegerField(null=True, blank=True, editable=False)
    mark = models.SmallIntegerField(null=True, blank=True, editable=False)
    error = models.CharField(max_length=200, blank=True, editable=False)
    current = models.BooleanField(
        default=False,
        editable=False,
        help_text="False while a point its formulas read is not current (no communication).",
    )
    revision = models.BigIntegerField(default=0, editable=False)
    updated_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["profile", "tag"]
        indexes = [models.Index(fields=["profile", "revision"], name="element_profile_revision")]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "tag"],
                name="element_tag_unique_in_profile",
                violation_error_message="An element with this tag exists in the profile.",
            )
        ]

    def __str__(self) -> str:
        return self.tag


class Formula(LiveStateModel):
    """The Excel-style source that decides one attribute of one element."""

    LIVE_FIELDS = ("last_value", "last_error", "evaluated_at")
    ATTRIBUTE_CHOICES = [(attr, attr) for attr in TARGET_ATTRIBUTES]

    element = models.ForeignKey(GraphicElement, on_delete=models.CASCADE, related_name="formulas")
    attribute = models.CharField(max_length=10, choices=ATTRIBUTE_CHOICES)
    source = models.TextField(help_text="For example SI(di.E4DI00.value,1,2)")
    last_value = models.CharField(max_length=200, blank=True, editable=False)
    last_error = models.CharField(max_length=300, blank=True, editable=False)
    evaluated_at = models.DateTimeField(null=True, blank=True, editable=False)
    inputs = models.TextField(
        blank=True,
        editable=False,
        help_text="The names the formula reads (kind.TAG.attr), kept by save(): the graph "
        "that cycle checks and tooltips walk without compiling every formula.",
    )

    #: Set by ``clean()``: the source compiled, so that ``save()`` need not compile it again.
    compiled: CompiledFormula | None = None
    #: The profile's names and graph for ``clean()``; a caller that saves many formulas
    #: sets one it keeps up to date, else ``clean()`` reads what it needs.
    checks: ProfileFormulas | None = None

    class Meta:
        ordering = ["element__tag", "attribute"]
        constraints = [
            models.UniqueConstraint(
                fields=["element", "attribute"],
                name="one_formula_per_element_attribute",
                violation_error_message="This attribute of the element already has a formula.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.element.tag}.{self.attribute} = {self.source}"

    @property
    def target(self) -> Target:
        """The element attribute the formula drives."""
        return Target(self.element.tag, self.attribute)

    def clean(self) -> None:
        """Reject syntax, name, limit and cycle problems; keep the compiled formula."""
        super().clean()
        if self.element_id and self.attribute and self.source:
            checks = self.checks or profile_formulas(self.element.profile_id)
            self.compiled = checks.check(self.target, self.source)

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save, keeping ``inputs`` in step with ``source``."""
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "source" in update_fields:
            self.inputs = format_inputs(self._inputs_read())
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "inputs"}
        super().save(*args, **kwargs)

    def _inputs_read(self) -> frozenset[Ref]:
        if self.compiled is not None and self.compiled.source == self.source:
            return self.compiled.inputs
        try:
            self.compiled = compile_formula(self.source)
        except FormulaError:
            return frozenset()  # saved unchecked (a shell, a fixture): it reads nothing
        return self.compiled.inputs


class Colour(models.Model):
    """One code of a profile's palette: what fill and stroke formulas return."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="colours")
    index = models.SmallIntegerField(help_text="The code formulas return, e.g. 1.")
    name = models.CharField(max_length=60)
    css = models.CharField(
        "CSS colour",
        max_length=40,
        validators=[validate_css_colour],
        help_text="#rrggbb, rgb(r, g, b), hsl(...) or a CSS name.",
    )

    class Meta:
        ordering = ["profile", "index"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "index"],
                name="colour_index_unique_in_profile",
                violation_error_message="This code already has a colour in the profile.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.index} {self.name}"


class _TagLookup:
    """Tells whether a tag exists by asking the database: a formula names only a few, so
    checking one is cheaper than reading every tag of a large profile."""

    def __init__(self, queryset: models.QuerySet[Any]) -> None:
        self._queryset = queryset
        self._known: dict[object, bool] = {}

    def __contains__(self, tag: object) -> bool:
        if tag not in self._known:
            self._known[tag] = self._queryset.filter(tag=tag).exists()
        return self._known[tag]


def profile_formulas(profile_id: int, *, many: bool = False) -> ProfileFormulas:
    """What checking formulas of ``profile_id`` needs. With ``many`` (a caller about to
    check many formulas), every tag is read at once instead of looked up per name."""
    points = Point.objects.filter(profile_id=profile_id)
    elements = GraphicElement.objects.filter(profile_id=profile_id)
    known: dict[str, Any]
    if many:
        known = {"ai": set(), "di": set(), "sv": set()}
        for kind, tag in points.values_list("kind", "tag"):
            known[kind].add(tag)
        known["eg"] = set(elements.values_list("tag", flat=True))
    else:
        known = {kind: _TagLookup(points.filter(kind=kind)) for kind in ("ai", "di", "sv")}
        known["eg"] = _TagLookup(elements)
    formulas = Formula.objects.filter(element__profile_id=profile_id)

    def fetch(tag: str | None) -> Any:
        rows = formulas if tag is None else formulas.filter(element__tag=tag)
        return rows.values_list("element__tag", "attribute", "inputs")

    graph = StoredGraph(fetch)
    if many:
        graph.fetch_all()
    return ProfileFormulas(known, graph)
