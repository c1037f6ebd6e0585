"""The colour palette: formulas return colour codes, screens draw CSS colours.

Every profile gets the default palette when it is created. Two codes are reserved for what
the plant data cannot say by itself: ``INVALID`` (a formula evaluated to an error) and
``NOT_CURRENT`` (the element's inputs come from equipment that does not answer). A code
missing from a profile's palette falls back to the default colour of that code, so that an
engineer who deletes a reserved colour still gets a visible one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hmi.models import Colour

INVALID = 98
NOT_CURRENT = 99

#: (code, name, CSS colour): the palette every profile starts with.
DEFAULT_COLOURS: tuple[tuple[int, str, str], ...] = (
    (0, "black", "#000000"),
    (1, "red (closed, energised)", "#d32f2f"),
    (2, "green (open, de-energised)", "#2e7d32"),
    (3, "yellow (warning)", "#f9a825"),
    (4, "blue", "#1565c0"),
    (5, "grey", "#9e9e9e"),
    (6, "white", "#ffffff"),
    (7, "orange (alarm)", "#ef6c00"),
    (8, "dark grey", "#424242"),
    (9, "light blue", "#4fc3f7"),
    (INVALID, "invalid (formula error)", "#ff00ff"),
    (NOT_CURRENT, "not current (communication lost)", "#7e57c2"),
)
DEFAULT_CSS: dict[int, str] = {code: css for code, _, css in DEFAULT_COLOURS}


def create_default_colours(colour_model: Any, profile: Any) -> None:
    """Give ``profile`` every default colour it does not have yet."""
    existing = set(colour_model.objects.filter(profile=profile).values_list("index", flat=True))
    colour_model.objects.bulk_create(
        colour_model(profile=profile, index=code, name=name, css=css)
        for code, name, css in DEFAULT_COLOURS
        if code not in existing
    )


class Palette:
    """A profile's code -> CSS lookup, read once and used for many elements."""

    def __init__(self, colours: Iterable[tuple[int, str]]) -> None:
        self._css = {**DEFAULT_CSS, **dict(colours)}

    @classmethod
    def of(cls, profile_id: int) -> Palette:
        return cls(Colour.objects.filter(profile_id=profile_id).values_list("index", "css"))

    def css(self, code: int | None) -> str | None:
        """The CSS colour of ``code``; None for no code or a code nobody defined."""
        if code is None:
            return None
        return self._css.get(code)
