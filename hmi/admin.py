"""Admin pages for screens, graphic elements and their formulas."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from hmi.element_attributes import describe
from hmi.formula_preview import evaluate_now, refresh_result
from hmi.models import Colour, Formula, GraphicElement, Screen
from hmi.screen_import import import_drawings
from hmi.svg_sanitiser import DrawingError, parse_drawing

PREVIEW_BUTTON = "_preview"


class FormulaForm(forms.ModelForm):
    """Validates like the model; with the Preview button, evaluates instead of saving."""

    class Meta:
        model = Formula
        fields = ("element", "attribute", "source")
        widgets = {"source": forms.Textarea(attrs={"rows": 3, "cols": 80, "spellcheck": "false"})}

    def _post_clean(self) -> None:
        # ModelForm's hook after the model's own validation; django-stubs leave it out.
        super()._post_clean()  # type: ignore[misc]  # runs Formula.clean(): compiles, checks
        compiled = self.instance.compiled
        if PREVIEW_BUTTON in self.data and not self.errors and compiled is not None:
            value = evaluate_now(compiled, self.instance.element.profile_id)
            self.add_error(
                None,
                ValidationError(f"Preview with current values: '{describe(value)}' (not saved)."),
            )


class InErrorFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("error", "in error"), ("ok", "evaluating")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "error":
            return queryset.exclude(last_error="")
        if self.value() == "ok":
            return queryset.filter(last_error="")
        return queryset


class PlacedFilter(admin.SimpleListFilter):
    """Elements on no screen: their tag vanished from every drawing that had it."""

    title = "placement"
    parameter_name = "placed"
    screens_path = "screens"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("no", "on no screen (unplaced)"), ("yes", "on a screen")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in ("yes", "no"):
            unplaced = {f"{self.screens_path}__isnull": True}
            matching = queryset.filter(**unplaced)
            if self.value() == "yes":
                return queryset.exclude(pk__in=matching.values("pk"))
            return matching.distinct()
        return queryset


class FormulaPlacedFilter(PlacedFilter):
    screens_path = "element__screens"


@admin.register(Formula)
class FormulaAdmin(admin.ModelAdmin):
    form = FormulaForm
    list_display = ("element", "attribute", "source", "last_value", "last_error", "evaluated_at")
    list_filter = (InErrorFilter, FormulaPlacedFilter, "attribute", "element__profile")
    search_fields = ("element__tag", "source")
    autocomplete_fields = ("element",)
    readonly_fields = ("last_value", "last_error", "evaluated_at")
    list_select_related = ("element",)

    def save_model(self, request: HttpRequest, obj: Formula, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        refresh_result(obj)


class FormulaInline(admin.TabularInline):
    model = Formula
    form = FormulaForm
    extra = 0
    fields = ("attribute", "source", "last_value", "last_error")
    readonly_fields = ("last_value", "last_error")


@admin.register(GraphicElement)
class GraphicElementAdmin(admin.ModelAdmin):
    list_display = (
        "tag",
        "description",
        "profile",
        "link",
        "text",
        "fill",
        "stroke",
        "mark",
        "current",
        "error",
    )
    list_filter = ("profile", PlacedFilter, "screens")
    search_fields = ("tag", "description")
    filter_horizontal = ("screens",)
    readonly_fields = (
        "text",
        "fill",
        "stroke",
        "mark",
        "current",
        "error",
        "revision",
        "updated_at",
    )
    inlines = [FormulaInline]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        for formula in formset.new_objects + [obj for obj, _ in formset.changed_objects]:
            refresh_result(formula)


class ScreenForm(forms.ModelForm):
    """A screen's settings, and an Inkscape drawing to import into it."""

    drawing = forms.FileField(
        required=False,
        help_text="An Inkscape SVG file; it replaces the screen's drawing (see docs/screens.md).",
    )

    class Meta:
        model = Screen
        fields = ("profile", "name", "parent", "order", "description", "links")

    def clean_drawing(self) -> Any:
        upload = self.cleaned_data.get("drawing")
        if upload is not None:
            try:
                self.parsed_drawing = parse_drawing(upload.read())
            except DrawingError as exc:
                raise ValidationError(f"This drawing cannot be imported: {exc}.") from exc
        return upload


@admin.register(Screen)
class ScreenAdmin(admin.ModelAdmin):
    form = ScreenForm
    list_display = ("name", "profile", "parent", "order", "description")
    list_filter = ("profile",)
    search_fields = ("name", "description")
    filter_horizontal = ("links",)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        root = getattr(form, "parsed_drawing", None)
        if root is not None:
            screen = form.instance
            (report,) = import_drawings(screen.profile, [(screen.name, root)])
            level = messages.WARNING if report.problems or report.unplaced else messages.INFO
            for line in report.lines():
                self.message_user(request, line, level)


@admin.register(Colour)
class ColourAdmin(admin.ModelAdmin):
    list_display = ("index", "name", "css", "profile")
    list_display_links = ("index", "name")
    list_filter = ("profile",)
    search_fields = ("name",)
    ordering = ("profile", "index")
