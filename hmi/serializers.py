"""JSON shapes of screens, graphic elements, formulas and the palette for the REST API."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings

from hmi.models import Colour, Formula, GraphicElement, Screen
from hmi.palette import Palette
from hmi.svg_sanitiser import DrawingError, parse_drawing
from poll.serializers import IdRelatedField


def _django_errors(exc: DjangoValidationError) -> serializers.ValidationError:
    """A model validation error as the API's field -> messages error."""
    errors: dict[str, list[str]] = (
        dict(exc.message_dict) if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
    )
    if NON_FIELD_ERRORS in errors:
        errors[api_settings.NON_FIELD_ERRORS_KEY] = errors.pop(NON_FIELD_ERRORS)
    return serializers.ValidationError(errors)


def _candidate(
    model: type[Any], instance: Any, attrs: dict[str, Any], names: tuple[str, ...]
) -> Any:
    """An unsaved object as the write would leave it, for the model's own validation."""
    candidate = model(pk=getattr(instance, "pk", None))
    candidate._state.adding = instance is None
    for name in names:
        setattr(candidate, name, attrs.get(name, getattr(instance, name, None)))
    return candidate


class ScreenLinkSerializer(serializers.Serializer):
    screen = serializers.IntegerField(help_text="The screen the link opens.")
    name = serializers.CharField()
    tag = serializers.CharField(
        allow_null=True,
        help_text="The bound element that opens it; null for a link of the drawing itself.",
    )


class ScreenSerializer(serializers.ModelSerializer):
    """A screen of the tree. Writing ``svg`` (text) or ``drawing`` (an uploaded file)
    imports an Inkscape drawing into it, as ``manage.py import_screens`` does."""

    serializer_related_field = IdRelatedField

    children: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )
    links = serializers.SerializerMethodField()
    svg = serializers.CharField(
        write_only=True, required=False, help_text="An Inkscape SVG drawing to import."
    )
    drawing = serializers.FileField(
        write_only=True, required=False, help_text="An Inkscape SVG file to import."
    )

    class Meta:
        model = Screen
        fields: tuple[str, ...] = (
            "id",
            "profile",
            "name",
            "parent",
            "order",
            "description",
            "children",
            "links",
            "svg",
            "drawing",
        )
        validators: list[Any] = []  # the model's constraints, with its messages, in validate()

    @extend_schema_field(ScreenLinkSerializer(many=True))
    def get_links(self, screen: Screen) -> list[dict[str, Any]]:
        links: list[dict[str, Any]] = [
            {"screen": link, "name": name, "tag": tag}
            for link, name, tag in screen.elements.filter(link__isnull=False).values_list(
                "link_id", "link__name", "tag"
            )
        ]
        links.extend({"screen": s.pk, "name": s.name, "tag": None} for s in screen.links.all())
        return links

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        profile = attrs.get("profile", getattr(self.instance, "profile", None))
        parent = attrs.get("parent")
        if parent is not None:
            if parent.profile_id != getattr(profile, "pk", None):
                raise serializers.ValidationError({"parent": "The parent is in another profile."})
            if self.instance is not None and _below(parent, self.instance):
                raise serializers.ValidationError(
                    {"parent": "The parent is this screen or one below it."}
                )
        text = attrs.pop("svg", None)
        upload = attrs.pop("drawing", None)
        if text is not None and upload is not None:
            raise serializers.ValidationError("Send the drawing as svg or as drawing, not both.")
        data = upload.read() if upload is not None else text
        if data is not None:
            try:
                attrs["parsed_drawing"] = parse_drawing(data)
            except DrawingError as exc:
                raise serializers.ValidationError(
                    {"drawing" if upload else "svg": f"This drawing cannot be imported: {exc}."}
                ) from exc
        screen = _candidate(Screen, self.instance, attrs, ("profile", "name"))
        try:
            screen.validate_constraints()
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc
        return attrs


def _below(candidate: Screen, screen: Screen) -> bool:
    """Whether ``candidate`` is ``screen`` or in its subtree."""
    seen: set[int] = set()
    node: Screen | None = candidate
    while node is not None and node.pk not in seen:
        if node.pk == screen.pk:
            return True
        seen.add(node.pk)
        node = node.parent
    return False


class ImportReportSerializer(serializers.Serializer):
    screen = serializers.CharField()
    created = serializers.BooleanField()
    bound = serializers.ListField(child=serializers.CharField())
    added = serializers.ListField(child=serializers.CharField())
    vanished = serializers.ListField(child=serializers.CharField())
    unplaced = serializers.ListField(child=serializers.CharField())
    without_formula = serializers.ListField(child=serializers.CharField())
    removed = serializers.ListField(child=serializers.CharField())
    problems = serializers.ListField(child=serializers.CharField())


class ScreenWrittenSerializer(ScreenSerializer):
    """A screen after a write, with the report of the drawing it imported (if any)."""

    import_report = ImportReportSerializer(read_only=True, allow_null=True)

    class Meta(ScreenSerializer.Meta):
        fields = (*ScreenSerializer.Meta.fields, "import_report")


class ElementStateSerializer(serializers.Serializer):
    tag = serializers.CharField()
    text = serializers.CharField(allow_blank=True)
    fill = serializers.IntegerField(allow_null=True)
    fill_color = serializers.CharField(allow_null=True)
    stroke = serializers.IntegerField(allow_null=True)
    stroke_color = serializers.CharField(allow_null=True)
    mark = serializers.IntegerField(allow_null=True)
    current = serializers.BooleanField()
    error = serializers.CharField(allow_blank=True)


class ScreenStateSerializer(serializers.Serializer):
    revision = serializers.IntegerField(help_text="The latest revision when this was read.")
    elements = ElementStateSerializer(many=True)


class FormulaSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Formula
        fields = ("id", "attribute", "source", "last_error")


class GraphicElementSerializer(serializers.ModelSerializer):
    """An element with its live attributes; colours as codes and as CSS."""

    placed = serializers.SerializerMethodField(help_text="False when on no screen.")
    fill_color = serializers.SerializerMethodField()
    stroke_color = serializers.SerializerMethodField()
    formulas = FormulaSummarySerializer(many=True, read_only=True)

    class Meta:
        model = GraphicElement
        fields = (
            "id",
            "profile",
            "tag",
            "description",
            "screens",
            "placed",
            "link",
            "text",
            "fill",
            "fill_color",
            "stroke",
            "stroke_color",
            "mark",
            "current",
            "error",
            "revision",
            "updated_at",
            "formulas",
        )

    def get_placed(self, element: GraphicElement) -> bool:
        return bool(element.screens.all())

    def get_fill_color(self, element: GraphicElement) -> str | None:
        return self._palette(element).css(element.fill)

    def get_stroke_color(self, element: GraphicElement) -> str | None:
        return self._palette(element).css(element.stroke)

    def _palette(self, element: GraphicElement) -> Palette:
        context = self.context
        assert isinstance(context, dict)  # DRF's context is a dict; its stubs say Mapping
        palettes: dict[int, Palette] = context.setdefault("palettes", {})
        if element.profile_id not in palettes:
            palettes[element.profile_id] = Palette.of(element.profile_id)
        return palettes[element.profile_id]


class FormulaSerializer(serializers.ModelSerializer):
    """A formula; written ones are checked exactly as in the admin (syntax, names, cycles)."""

    serializer_related_field = IdRelatedField

    tag = serializers.CharField(source="element.tag", read_only=True)
    unplaced = serializers.SerializerMethodField(help_text="Its element is on no screen.")

    class Meta:
        model = Formula
        fields = (
            "id",
            "element",
            "tag",
            "attribute",
            "source",
            "unplaced",
            "last_value",
            "last_error",
            "evaluated_at",
        )
        read_only_fields = ("last_value", "last_error", "evaluated_at")
        validators: list[Any] = []  # full_clean() in validate() checks like the admin

    def get_unplaced(self, formula: Formula) -> bool:
        return not formula.element.screens.all()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        formula = _candidate(Formula, self.instance, attrs, ("element", "attribute", "source"))
        try:
            formula.full_clean(exclude=["last_value", "last_error", "evaluated_at"])
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc
        return attrs


class ColourSerializer(serializers.ModelSerializer):
    serializer_related_field = IdRelatedField

    class Meta:
        model = Colour
        fields = ("id", "profile", "index", "name", "css")
        validators: list[Any] = []  # the model's constraints, with its messages, in validate()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        colour = _candidate(Colour, self.instance, attrs, ("profile", "index"))
        try:
            colour.validate_constraints()
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc
        return attrs
