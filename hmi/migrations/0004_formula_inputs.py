"""Store with each formula the names it reads, so that a save checks cycles without
compiling the profile's other formulas."""

from django.db import migrations, models


def fill_inputs(apps, schema_editor):
    from formulas import FormulaError, compile_formula
    from hmi.formula_checks import format_inputs

    Formula = apps.get_model("hmi", "Formula")
    formulas = list(Formula.objects.all())
    for formula in formulas:
        try:
            formula.inputs = format_inputs(compile_formula(formula.source).inputs)
        except FormulaError:
            formula.inputs = ""
    Formula.objects.bulk_update(formulas, ["inputs"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("hmi", "0003_default_palettes")]

    operations = [
        migrations.AddField(
            model_name="formula",
            name="inputs",
            field=models.TextField(
                blank=True,
                editable=False,
                help_text="The names the formula reads (kind.TAG.attr), kept by save(): the "
                "graph that cycle checks and tooltips walk without compiling every formula.",
            ),
        ),
        migrations.RunPython(fill_inputs, migrations.RunPython.noop),
    ]
