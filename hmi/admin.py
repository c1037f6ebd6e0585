"""Admin pages for screens, graphic elements and their formulas."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from hmi.formula_preview import describe_value, evaluate_now, refresh_result
from hmi.models import Formula, GraphicElement, Screen

PREVIEW_BUTTON = "_preview"


class FormulaForm(forms.ModelForm):
    """Validates like the model; with the Preview button, evaluates instead of saving."""

    class Meta:
        model = Formula
        fields = ("element", "attribute", "source")
        widgets = {"source": forms.Textarea(attrs={"rows": 3, "cols": 80, "spellcheck": "false"})}

    def _post_clean(self) -> None:
        super()._post_clean()  # runs Formula.clean(), which compiles and checks
        if PREVIEW_BUTTON in self.data and not self.errors:
            value = evaluate_now(self.instance.compiled, self.instance.element.profile)
            self.add_error(
                None,
                ValidationError(
                    f"Preview with current values: {describe_value(value)} (not saved)."
                ),
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


@admin.register(Formula)
class FormulaAdmin(admin.ModelAdmin):
    form = FormulaForm
    list_display = ("element", "attribute", "source", "last_value", "last_error", "evaluated_at")
    list_filter = (InErrorFilter, "attribute", "element__profile")
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
        "error",
    )
    list_filter = ("profile", "screens")
    search_fields = ("tag", "description")
    filter_horizontal = ("screens",)
    readonly_fields = ("text", "fill", "stroke", "mark", "error", "revision", "updated_at")
    inlines = [FormulaInline]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        for formula in formset.new_objects + [obj for obj, _ in formset.changed_objects]:
            refresh_result(formula)


@admin.register(Screen)
class ScreenAdmin(admin.ModelAdmin):
    list_display = ("name", "profile", "parent", "order", "description")
    list_filter = ("profile",)
    search_fields = ("name", "description")
