"""Screens, the graphic elements bound to tags in them, and the formulas that drive them.

A graphic element is one tag of the profile's drawings: the same breaker may be drawn on
the overview and on its station's detail screen, and both show the one element. That keeps
``eg.TAG.attr`` in formulas unambiguous and every formula written once.
"""

from __future__ import annotations

from django.db import models

from formulas.names import TARGET_ATTRIBUTES
from hmi.palette import validate_css_colour
from poll.live_state import LiveStateModel
from poll.models import Profile
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

    def clean(self) -> None:
        """Reject syntax, name, limit and cycle problems; keep the compiled formula."""
        from hmi.formula_checks import check_formula

        super().clean()
        if self.element_id and self.attribute and self.source:
            self.compiled = check_formula(self)


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
