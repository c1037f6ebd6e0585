"""Formula text to a syntax tree, with the size limits that keep a bad formula cheap.

The grammar is `grammar.lark`, parsed by lark's LALR parser, which works with an explicit
stack: no input, however nested, can exhaust Python's recursion. The tree it returns is
checked to be at most `MAX_DEPTH` levels deep before anything walks it recursively.
"""

from __future__ import annotations

from pathlib import Path

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from formulas.errors import FormulaLimitError, FormulaSyntaxError

SyntaxTree = Tree[Token]
"""A parsed formula: lark trees whose leaves are tokens."""

MAX_SOURCE_LENGTH = 2_000
MAX_DEPTH = 50

_PARSER = Lark(
    (Path(__file__).parent / "grammar.lark").read_text(encoding="utf-8"),
    parser="lalr",
)

# What each terminal of the grammar is called in an error message, in the order listed.
_OPERAND_TERMINALS = {"NUMBER": "a number", "STRING": "a text", "NAME": "a name", "LPAR": "'('"}
_OPERATOR_TERMINALS = {"COMPARE", "AMPERSAND", "ADD_OP", "MUL_OP", "CIRCUMFLEX"}
_CLOSING_TERMINALS = {"COMMA": "','", "RPAR": "')'", "$END": "the end of the formula"}
_TOKEN_NAMES = {"STRING": "text", "NUMBER": "number", "NAME": "name"}


def parse(source: str) -> SyntaxTree:
    """The syntax tree of `source`, or a `FormulaSyntaxError` / `FormulaLimitError`."""
    if len(source) > MAX_SOURCE_LENGTH:
        raise FormulaLimitError(
            f"the formula is {len(source)} characters long; the limit is {MAX_SOURCE_LENGTH}",
            MAX_SOURCE_LENGTH,
        )
    try:
        tree: SyntaxTree = _PARSER.parse(source)
    except UnexpectedInput as error:
        raise _syntax_error(source, error) from None
    _check_depth(tree)
    return tree


def _check_depth(tree: SyntaxTree) -> None:
    stack: list[tuple[SyntaxTree, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise FormulaLimitError(
                f"the formula nests more than {MAX_DEPTH} operations or functions inside "
                "each other; split it or simplify it",
                _first_position(node),
            )
        stack.extend((child, depth + 1) for child in node.children if isinstance(child, Tree))


def _first_position(node: SyntaxTree | Token) -> int:
    """Where the text of a subtree starts: at its first token. Trees keep no positions of
    their own; asking lark for them makes compiling a third slower."""
    while isinstance(node, Tree):
        node = next(child for child in node.children if child is not None)
    return node.start_pos or 0


def _syntax_error(source: str, error: UnexpectedInput) -> FormulaSyntaxError:
    if isinstance(error, UnexpectedCharacters):
        position = error.pos_in_stream or 0
        if source[position] == '"':
            return FormulaSyntaxError(
                'a text has no closing \'"\' (write "" for a quote inside a text)',
                position,
                "a closing '\"'",
            )
        expected = _describe(_accepted_after(source[:position]) or set(error.allowed or ()))
        return FormulaSyntaxError(f"unexpected character {source[position]!r}", position, expected)
    assert isinstance(error, UnexpectedToken)
    expected = _describe(set(error.accepts or error.expected))
    token = error.token
    if token.type == "$END":
        position = len(source.rstrip())
        if "RPAR" in error.expected:
            problem = "the formula ends before a '(' is closed"
        elif position == 0 or source.strip() == "=":
            problem = "the formula is empty"
        else:
            problem = "the formula ends too early"
        return FormulaSyntaxError(problem, position, expected)
    found = _TOKEN_NAMES.get(token.type)
    found = f"{found} {token.value}" if found else repr(token.value)
    return FormulaSyntaxError(f"unexpected {found}", token.start_pos, expected)


def _accepted_after(prefix: str) -> set[str]:
    """The terminals the parser would take after `prefix` (which parses so far)."""
    try:
        interactive = _PARSER.parse_interactive(prefix)
        interactive.exhaust_lexer()
        return set(interactive.accepts())
    except UnexpectedInput:
        return set()


def _describe(terminals: set[str]) -> str:
    """Terminal names in human terms: "a number, a text, a name or '('"."""
    phrases = [phrase for name, phrase in _OPERAND_TERMINALS.items() if name in terminals]
    if terminals & _OPERATOR_TERMINALS:
        phrases.append("an operator")
    phrases += [phrase for name, phrase in _CLOSING_TERMINALS.items() if name in terminals]
    if not phrases:
        return "something else"
    if len(phrases) == 1:
        return phrases[0]
    return ", ".join(phrases[:-1]) + " or " + phrases[-1]
