"""Which CSS colours a palette may hold.

Kept apart from the palette so that the models can validate a colour without importing
the palette, which reads the models.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")
_FUNCTION = re.compile(r"^(?:rgb|rgba|hsl|hsla)\(\s*[0-9.%,\s/+-]+\)$")
_NAME = re.compile(r"^[a-zA-Z]{3,30}$")


def validate_css_colour(value: str) -> None:
    """Accept the CSS colour forms a screen can use safely: hex, rgb()/hsl() and names.

    The colour ends up in the browser's style of an SVG element, so anything that could
    carry more than a colour (``url(...)``, ``;``, quotes) is refused.
    """
    if not (_HEX.match(value) or _FUNCTION.match(value) or _NAME.match(value)):
        raise ValidationError(
            f"{value!r} is not a CSS colour: use #rrggbb, rgb(r, g, b), hsl(...) or a name "
            "such as red."
        )
