"""Checking the CSS of a drawing for anything that fetches from outside it or runs code.

CSS reaches the network through ``url()`` (bare or quoted), ``image-set()`` and its
relatives, and ``@import``; old browsers also ran code through ``expression()``,
``behavior`` and ``-moz-binding``. Regular expressions over the text miss what the browser
decodes first: escapes (``\\75rl(`` is ``url(``, ``@\\69mport`` is ``@import``), case, and
the quoted ``url("...")`` form. So CSS is tokenised by the CSS Syntax algorithm the browser
runs (tinycss2), and the checks look at tokens, whose names are already unescaped.

What is dangerous goes as a whole: a declaration of a ``style`` attribute, a rule of a
``<style>`` sheet, a presentation attribute. When anything went, when the text did not
parse cleanly, or when it used escapes, the CSS is written back from the checked tokens
only, so the browser reads exactly what was checked.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

import tinycss2
from tinycss2 import ast

#: Blocks nested deeper than this (``((((...``) are refused: nothing drawn needs them, and
#: writing them back would recurse.
MAX_CSS_NESTING = 32

_SAFE_IMAGE = re.compile(r"^data:image/(?:png|jpeg|gif)[;,]", re.IGNORECASE)
#: What the URL parser ignores: C0 controls and spaces around a URL, tabs and newlines in it.
_URL_EDGES = "".join(map(chr, range(0x21)))
_URL_INSIDE = re.compile(r"[\t\n\r]")
_VENDOR_PREFIX = re.compile(r"^-(?:webkit|moz|ms|o)-")
#: Functions that take a URL (as a string or an image) and so can fetch.
_URL_FUNCTIONS = {"url", "src"}
_FETCHING_FUNCTIONS = {"image-set", "image", "cross-fade", "element", "paint", "attr"}
_CODE_FUNCTIONS = {"expression"}
_CODE_PROPERTIES = {"behavior", "-moz-binding"}
#: Only these can make a value dangerous, so values without any are not tokenised.
_MAYBE_DANGEROUS = re.compile(
    r"\\|@|(?:url|src|image|image-set|fade|element|paint|attr|expression)\(|behavior|binding",
    re.IGNORECASE,
)

#: ``url(#fragment)``, bare or quoted: what Inkscape writes for gradients, markers, filters.
#: Taken out of the text before looking for ``_MAYBE_DANGEROUS``, so that the usual style
#: is not tokenised (nothing in these matches can hide anything: no escape, quote or
#: bracket inside).
_FRAGMENT_URL = re.compile(
    r"""url\(\s*(?:#[^\s"'()\\]*|"#[^"\\\n]*"|'#[^'\\\n]*')\s*\)""", re.IGNORECASE
)

LEAVING = "CSS url() leaving the drawing"
IMPORT = "CSS @import"
CODE = "CSS script hook"


def is_inside_reference(url: str, images: bool = False) -> bool:
    """Whether ``url`` stays in the drawing: a ``#fragment``, or (``images``) an embedded
    PNG, JPEG or GIF bitmap. Read as the browser's URL parser reads it."""
    url = _URL_INSIDE.sub("", url.strip(_URL_EDGES))
    return url.startswith("#") or (images and _SAFE_IMAGE.match(url) is not None)


def value_danger(value: str) -> str | None:
    """Why a CSS value (a presentation attribute, an animation's values) could fetch or run
    code; None when it cannot."""
    if not _maybe_dangerous(value):
        return None
    return _danger(tinycss2.parse_component_value_list(value, skip_comments=True))


def clean_declarations(css: str, removed: Counter[str]) -> str:
    """A ``style`` attribute without its dangerous declarations (each counted)."""
    if not _maybe_dangerous(css):
        return css
    nodes = tinycss2.parse_blocks_contents(css, skip_comments=True, skip_whitespace=True)
    kept = _keep_safe(nodes, removed)
    declarations = [node for node in kept if isinstance(node, ast.Declaration)]
    if len(declarations) == len(nodes) and "\\" not in css:
        return css
    return ";".join(node.serialize() for node in declarations)


def clean_stylesheet(css: str, removed: Counter[str]) -> str:
    """The text of a ``<style>`` element without its dangerous rules (each counted)."""
    if not _maybe_dangerous(css):
        return css
    nodes = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    kept = [node for node in _keep_safe(nodes, removed) if not isinstance(node, ast.ParseError)]
    if len(kept) == len(nodes) and "\\" not in css:
        return css
    return "\n".join(node.serialize() for node in kept)


def _maybe_dangerous(css: str) -> bool:
    return _MAYBE_DANGEROUS.search(_FRAGMENT_URL.sub("", css)) is not None


def _keep_safe(nodes: Sequence[ast.Node], removed: Counter[str]) -> list[ast.Node]:
    kept = []
    for node in nodes:
        reason = _danger([node])
        if reason:
            removed[reason] += 1
        else:
            kept.append(node)
    return kept


def _danger(nodes: Iterable[ast.Node]) -> str | None:
    """Why these nodes could fetch or run code, walking every nested block (iteratively:
    the nesting is the author's)."""
    pending = [(node, 1) for node in nodes]
    while pending:
        node, depth = pending.pop()
        if depth > MAX_CSS_NESTING:
            return f"CSS nested more than {MAX_CSS_NESTING} levels deep"
        reason = _node_danger(node)
        if reason:
            return reason
        pending.extend((child, depth + 1) for child in _children(node))
    return None


def _node_danger(node: ast.Node) -> str | None:
    if isinstance(node, ast.URLToken):
        return None if is_inside_reference(node.value, images=True) else LEAVING
    if isinstance(node, (ast.AtRule, ast.AtKeywordToken)) and _at_keyword(node) == "import":
        return IMPORT
    if isinstance(node, ast.Declaration) and node.lower_name in _CODE_PROPERTIES:
        return CODE
    if isinstance(node, ast.IdentToken) and node.lower_value in _CODE_PROPERTIES:
        return CODE
    if isinstance(node, ast.FunctionBlock):
        name = _VENDOR_PREFIX.sub("", node.lower_name)
        if name in _URL_FUNCTIONS:
            return None if _quoted_url_is_inside(node.arguments) else LEAVING
        if name in _FETCHING_FUNCTIONS:
            return f"CSS {name}() that can fetch"
        if name in _CODE_FUNCTIONS:
            return CODE
    return None


def _at_keyword(node: ast.AtRule | ast.AtKeywordToken) -> str:
    return node.lower_at_keyword if isinstance(node, ast.AtRule) else node.lower_value


def _quoted_url_is_inside(arguments: list[ast.Node]) -> bool:
    """``url("#a")``: one string naming a place in the drawing, nothing else."""
    significant = [a for a in arguments if a.type not in ("whitespace", "comment")]
    return (
        len(significant) == 1
        and isinstance(significant[0], ast.StringToken)
        and is_inside_reference(significant[0].value, images=True)
    )


def _children(node: ast.Node) -> list[ast.Node]:
    if isinstance(node, ast.FunctionBlock):
        return list(node.arguments)
    if isinstance(node, (ast.ParenthesesBlock, ast.SquareBracketsBlock, ast.CurlyBracketsBlock)):
        return list(node.content)
    if isinstance(node, (ast.AtRule, ast.QualifiedRule)):
        return list(node.prelude) + list(node.content or [])
    if isinstance(node, ast.Declaration):
        return list(node.value)
    return []
