"""What a formula can read (`Ref`) and what a formula drives (`Target`)."""

from __future__ import annotations

from typing import NamedTuple

#: The attributes each kind of name has. `ai`, `di` and `sv` are field points; `eg` is a
#: graphic element on a screen, whose attributes are themselves driven by formulas.
ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "ai": ("value", "q", "escala"),
    "di": ("value", "q"),
    "sv": ("value",),
    "eg": ("text", "fill", "stroke", "mark"),
}

#: The element attributes a formula can drive.
TARGET_ATTRIBUTES: tuple[str, ...] = ATTRIBUTES["eg"]


class Ref(NamedTuple):
    """One input of a formula, written `kind.TAG.attr` in the source, e.g.
    `Ref("di", "E4DI00", "value")` for `di.E4DI00.value`."""

    kind: str
    tag: str
    attr: str

    def __str__(self) -> str:
        return f"{self.kind}.{self.tag}.{self.attr}"


class Target(NamedTuple):
    """The element attribute a formula drives, e.g. `Target("E1", "fill")`. Other formulas
    read it as `eg.E1.fill`."""

    tag: str
    attr: str

    def __str__(self) -> str:
        return f"{self.tag}.{self.attr}"

    @property
    def ref(self) -> Ref:
        """The name under which other formulas read this attribute."""
        return Ref("eg", self.tag, self.attr)
