"""Problems found before a formula runs: it does not parse, names something unknown, breaks a
limit, or closes a cycle. Problems found while it runs are values, not exceptions (see
`formulas.values.FormulaErrorValue`)."""

from __future__ import annotations

from typing import ClassVar

from formulas.names import Target


class FormulaError(Exception):
    """A formula that cannot be compiled or installed.

    `kind` says which family of problem it is (the CLI and the admin show it), `message` is
    a sentence for an engineer, `position` the 0-based character offset in the source when
    one place is to blame.
    """

    kind: ClassVar[str] = "formula"

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position

    def __str__(self) -> str:
        return self.message


class FormulaSyntaxError(FormulaError):
    """The text is not a formula. `message` says what is wrong at `position`, `expected`
    what would have fitted there in human terms ("a number, a text, a name or '('", empty
    when no list of tokens helps); `str()` gives both."""

    kind = "syntax"

    def __init__(self, message: str, position: int | None = None, expected: str = "") -> None:
        super().__init__(message, position)
        self.expected = expected

    def __str__(self) -> str:
        return f"{self.message}; expected {self.expected}" if self.expected else self.message


class FormulaNameError(FormulaError):
    """A name, attribute or function that does not exist; `names` lists the culprits."""

    kind = "name"

    def __init__(
        self, message: str, position: int | None = None, names: tuple[str, ...] = ()
    ) -> None:
        super().__init__(message, position)
        self.names = names


class FormulaLimitError(FormulaError):
    """A formula too long, too deep or with a literal too large to be safe to run."""

    kind = "limit"


class CycleError(FormulaError):
    """Formulas that read each other's results in a circle; `cycle` lists the element
    attributes in reading order, the first repeated at the end."""

    kind = "cycle"

    def __init__(self, cycle: tuple[Target, ...]) -> None:
        path = " -> ".join(str(target) for target in cycle)
        super().__init__(f"circular reference: {path}")
        self.cycle = cycle


def describe_problem(source: str, error: FormulaError) -> str:
    """One readable message: the problem, its place with a pointer, what was expected."""
    message = error.message
    if error.position is not None:
        start = max(0, error.position - 20)
        snippet = source[start : error.position + 20].replace("\n", " ")
        pointer = " " * (error.position - start) + "^"
        message = f"{message} (at character {error.position + 1}: «{snippet}» / «{pointer}»)"
    if isinstance(error, FormulaSyntaxError) and error.expected:
        message = f"{message}; expected {error.expected}"
    return message
