"""The incremental evaluator: holds every formula and the current value of everything they
read, and on a change runs only the formulas it affects, each once, in dependency order.

One lookup holds all current values: the field points (`ai`, `di`, `sv`) and the element
attributes (`eg`). An element attribute is the output of the formula that drives it or,
when none does, the static value the caller set for it; with neither it reads as `#REF!`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from formulas.codegen import Evaluator
from formulas.compiler import CompiledFormula, KnownTags, compile_formula
from formulas.errors import FormulaError
from formulas.graph import DependencyGraph, find_cycles
from formulas.names import Ref, Target
from formulas.values import MAX_NUMBER, NUM, REAL, VALUE, FormulaErrorValue

# One formula to run: (target, the Ref its output is stored under, its closure).
_Step = tuple[Target, Ref, Evaluator]
_MISSING = object()


def _same(old: Any, new: Any) -> bool:
    """Equal and of the same type: 1, 1.0 and TRUE show differently on a screen."""
    return old is new or (type(old) is type(new) and old == new)


def validate_formulas(
    sources: Mapping[Target, str], known_tags: KnownTags | None = None
) -> dict[Target, FormulaError]:
    """The problem with each formula of a set that cannot be installed as a whole: it does
    not compile, or it lies on a cycle (the error names the cycle). Empty when all is well."""
    compiled, problems = _compile_all(sources, known_tags)
    problems.update(find_cycles({target: f.inputs for target, f in compiled.items()}))
    return problems


def _compile_all(
    sources: Mapping[Target, str], known_tags: KnownTags | None
) -> tuple[dict[Target, CompiledFormula], dict[Target, FormulaError]]:
    compiled: dict[Target, CompiledFormula] = {}
    problems: dict[Target, FormulaError] = {}
    for target, source in sources.items():
        try:
            compiled[target] = compile_formula(source, known_tags)
        except FormulaError as error:
            problems[target] = error
    return compiled, problems


class Engine:
    """Formulas keyed by the element attribute they drive, evaluated incrementally.

    Changing a formula or an input only records what is stale; `update` (or
    `evaluate_all`) runs the formulas and reports the element attributes whose value
    changed.
    """

    def __init__(self, known_tags: KnownTags | None = None) -> None:
        self._known_tags = known_tags
        self._formulas: dict[Target, CompiledFormula] = {}
        self._graph = DependencyGraph()
        self._values: dict[Ref, Any] = {}
        self._static: dict[Ref, Any] = {}
        self._rejected: dict[Target, FormulaError] = {}
        self._stale_refs: set[Ref] = set()
        self._stale_formulas: set[Target] = set()
        self._reverted: set[Target] = set()
        self._plans: dict[Ref, tuple[_Step, ...]] = {}
        self._full_plan: tuple[_Step, ...] | None = None

    # Formulas

    def set_formula(self, target: Target, source: str) -> CompiledFormula:
        """Compile `source` to drive `target`. A `FormulaError` (a `CycleError` when it
        would read its own output, directly or through other formulas) leaves the engine
        unchanged."""
        formula = compile_formula(source, self._known_tags)
        self._graph.set(target, formula.inputs)
        self._install(target, formula)
        return formula

    def load(self, sources: Mapping[Target, str]) -> dict[Target, FormulaError]:
        """Install several formulas at once (other formulas stay). Those that do not compile
        or would close a cycle are left out, their target undriven, and their problems
        returned (and kept for `errors`)."""
        compiled, problems = _compile_all(sources, self._known_tags)
        proposed = {t: self._graph.inputs(t) for t in self._graph if t not in sources}
        proposed.update((target, formula.inputs) for target, formula in compiled.items())
        # Every cycle runs through a new formula, so leaving those out breaks them all.
        problems.update(
            (target, cycle) for target, cycle in find_cycles(proposed).items() if target in sources
        )
        for target in problems:
            self.remove_formula(target)
        accepted = {t: formula for t, formula in compiled.items() if t not in problems}
        self._graph.set_many({target: formula.inputs for target, formula in accepted.items()})
        for target, formula in accepted.items():
            self._install(target, formula)
        self._rejected.update(problems)
        return problems

    def _install(self, target: Target, formula: CompiledFormula) -> None:
        self._formulas[target] = formula
        self._rejected.pop(target, None)
        self._stale_formulas.add(target)
        self._forget_plans()

    def remove_formula(self, target: Target) -> None:
        """Stop driving `target`: it reads its static value again (reported by the next
        `update`, as `None` when it has none, if that differs from the formula's last
        output)."""
        self._rejected.pop(target, None)
        if self._formulas.pop(target, None) is None:
            return
        self._graph.remove(target)
        self._stale_formulas.discard(target)
        ref = target.ref
        old = self._values.pop(ref, _MISSING)
        new = self._static.get(ref, _MISSING)
        if new is not _MISSING:
            self._values[ref] = new
        if not _same(old, new):
            self._reverted.add(target)
            self._stale_refs.add(ref)
        self._forget_plans()

    def _forget_plans(self) -> None:
        self._plans.clear()
        self._full_plan = None

    def formula(self, target: Target) -> CompiledFormula | None:
        """The formula driving `target`, if any."""
        return self._formulas.get(target)

    @property
    def targets(self) -> frozenset[Target]:
        """The element attributes driven by a formula."""
        return frozenset(self._formulas)

    # Inputs and evaluation

    def set_inputs(self, values: Mapping[Ref, Any]) -> None:
        """Set current values without evaluating; the next `update` or `evaluate_all`
        takes them into account. An `eg` value is the static value of that attribute."""
        for ref, value in values.items():
            if self._store(ref, value):
                self._stale_refs.add(ref)

    def _store(self, ref: Ref, value: Any) -> bool:
        """Record one input; whether the lookup changed. A number out of range (NaN or an
        infinity from a device) reads as `#NUM!`, so formulas only ever see finite ones."""
        if type(value) in REAL and not -MAX_NUMBER <= value <= MAX_NUMBER:
            value = NUM
        if ref.kind == "eg":
            self._static[ref] = value
            if Target(ref.tag, ref.attr) in self._formulas:
                return False
        if _same(self._values.get(ref, _MISSING), value):
            return False
        self._values[ref] = value
        return True

    def update(self, changed: Mapping[Ref, Any]) -> dict[Target, Any]:
        """Apply `changed` inputs, run every formula they (or earlier changes to formulas
        and inputs) affect, once each in dependency order, and return the element
        attributes whose value changed."""
        changed_refs = [ref for ref, value in changed.items() if self._store(ref, value)]
        if self._stale_refs or self._stale_formulas:
            changed_refs.extend(self._stale_refs)
            steps = self._plan_for(changed_refs, self._stale_formulas)
        elif len(changed_refs) == 1:
            steps = self._plan(changed_refs[0])
        else:
            steps = self._plan_for(changed_refs, ())
        return self._run(steps, self._start_report())

    def evaluate_all(self) -> dict[Target, Any]:
        """Run every formula in dependency order; return every driven attribute's value
        (and those whose formula was removed since the last report)."""
        if self._full_plan is None:
            formulas = self._formulas
            self._full_plan = tuple(
                (target, target.ref, formulas[target].evaluator)
                for target in sorted(formulas, key=self._graph.ranks().__getitem__)
            )
        values = self._values
        results = self._start_report()
        for target, ref, evaluator in self._full_plan:
            try:
                values[ref] = results[target] = evaluator(values)
            except Exception:
                values[ref] = results[target] = VALUE
        return results

    def _start_report(self) -> dict[Target, Any]:
        """Forget what is stale, as it is about to be evaluated, and start the report with
        the attributes whose formula was removed since the last one."""
        values = self._values
        report = {target: values.get(target.ref) for target in self._reverted}
        self._reverted = set()
        self._stale_refs = set()
        self._stale_formulas = set()
        return report

    def _run(self, steps: Iterable[_Step], results: dict[Target, Any]) -> dict[Target, Any]:
        values = self._values
        for target, ref, evaluator in steps:
            try:
                new = evaluator(values)
            except Exception:
                new = VALUE
            old = values.get(ref, _MISSING)
            if old is not new and (type(old) is not type(new) or old != new):
                values[ref] = new
                results[target] = new
        return results

    def _plan(self, ref: Ref) -> tuple[_Step, ...]:
        """The formulas one changed input affects, in order (kept until formulas change)."""
        plan = self._plans.get(ref)
        if plan is None:
            plan = self._plans[ref] = self._steps(self._graph.affected((ref,)))
        return plan

    def _plan_for(self, refs: Iterable[Ref], formulas: Iterable[Target]) -> tuple[_Step, ...]:
        """The formulas several changes affect, each once, in order."""
        targets = set(formulas)
        downstream = [target.ref for target in targets]
        for ref in (*refs, *downstream):
            targets.update(step[0] for step in self._plan(ref))
        ranks = self._graph.ranks()
        return self._steps(sorted(targets, key=ranks.__getitem__))

    def _steps(self, targets: Iterable[Target]) -> tuple[_Step, ...]:
        formulas = self._formulas
        return tuple((target, target.ref, formulas[target].evaluator) for target in targets)

    # Reading

    def value(self, target: Target) -> Any:
        """The current value of an element attribute (`None` when it has none)."""
        return self._values.get(target.ref)

    def last_error(self, target: Target) -> FormulaErrorValue | FormulaError | None:
        """Why `target` shows no proper value: the problem that kept its formula out of
        `load`, or the error value its formula last produced; else None."""
        rejected = self._rejected.get(target)
        if rejected is not None:
            return rejected
        if target in self._formulas:
            value = self._values.get(target.ref)
            if type(value) is FormulaErrorValue:
                return value
        return None

    def errors(self) -> dict[Target, FormulaErrorValue | FormulaError]:
        """`last_error` of every formula that has one."""
        problems: dict[Target, FormulaErrorValue | FormulaError] = dict(self._rejected)
        for target in self._formulas:
            value = self._values.get(target.ref)
            if type(value) is FormulaErrorValue:
                problems[target] = value
        return problems
