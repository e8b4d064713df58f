"""The strict printer: generated code's trees to black-style NumPy text.

Every expression of the output is a tree until here (derivative formulas too: formulas.py
builds them from SymPy); this makes the text, and refuses a node it does not know. Spacing
follows black: spaces around binary operators, none around `**` between simple operands.
"""

from __future__ import annotations

import ast
import keyword

from ..errors import SymbackInternalError

# Python precedence levels, low to high.
ADD, MUL, UNARY, POW, ATOM = 10, 20, 30, 40, 100


def _simple(text: str) -> bool:
    """Black's 'simple power operand': a name, a number or an attribute chain, maybe negated."""
    body = text[1:] if text.startswith("-") else text
    if is_number(body):
        return True
    return all(part.isidentifier() for part in body.split("."))


def is_number(text: str) -> bool:
    """Is `text` a number literal?"""
    try:
        float(text)
    except ValueError:
        return False
    return True


_BIN = {
    ast.Add: ("+", ADD),
    ast.Sub: ("-", ADD),
    ast.Mult: ("*", MUL),
    ast.Div: ("/", MUL),
    ast.Mod: ("%", MUL),
    ast.MatMult: ("@", MUL),
    ast.FloorDiv: ("//", MUL),
    ast.Pow: ("**", POW),
    ast.BitAnd: ("&", 8),
    ast.BitOr: ("|", 6),
}
_UNARY = {ast.USub: "-", ast.UAdd: "+", ast.Invert: "~"}
_COMPARE = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
}
COMPARE_PREC = 5


def print_code(node: ast.expr) -> str:
    """Forward code as the user wrote it (order of operations kept), in black's spacing."""
    return _code(node)[0]


def identifier(name: str) -> str:
    """`name`, checked to be a Python identifier (not a keyword) before it becomes code.
    (The generated module's names are checked where it is laid out, backend/emit.py:
    explain prints formulas with labels such as `s[i=1]` for names.)"""
    if not (isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)):
        raise SymbackInternalError(f"refusing to print {name!r} as a name: not an identifier")
    return name


def print_docstring(text: str) -> str:
    """A triple-quoted literal whose value is exactly `text`, whatever `text` holds (a file
    name with three quotes in it must not end the string early): backslashes, quotes and
    unprintable characters other than line breaks escaped, and spaces black would strip
    (at a line's start or end)."""
    rows = []
    for row in text.split("\n"):
        body = "".join(_DOC_ESCAPES.get(c) or (c if c.isprintable() else _escape(c)) for c in row)
        stripped = body.strip(" ")
        if stripped != body:  # black trims docstring rows: keep their spaces as escapes
            start = len(body) - len(body.lstrip(" "))
            end = len(body.rstrip(" ")) if stripped else start
            body = "\\x20" * start + stripped + "\\x20" * (len(body) - end if stripped else 0)
        rows.append(body)
    body = "\n".join(rows)
    if body.endswith('\\"'):  # black pads a docstring ending in a quote with a space
        body = body[:-2] + "\\x22"
    literal = f'"""{body}"""'
    if ast.literal_eval(literal) != text:
        raise SymbackInternalError(f"the docstring printer cannot write {text!r}")
    return literal


_DOC_ESCAPES = {"\\": "\\\\", '"': '\\"'}


def _escape(char: str) -> str:
    """An unprintable character as its escape sequence (\\x.., \\u.... or \\U........)."""
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _code(node: ast.expr) -> tuple[str, int]:
    if isinstance(node, ast.Name):
        return node.id, ATOM
    if isinstance(node, ast.Constant):
        return _constant(node.value), ATOM
    if isinstance(node, ast.List):
        return f"[{', '.join(print_code(e) for e in node.elts)}]", ATOM
    if isinstance(node, ast.Subscript):
        return f"{_code_wrap(node.value, ATOM)}[{print_index(node.slice)}]", ATOM
    if isinstance(node, ast.Attribute):
        return f"{_code_wrap(node.value, ATOM)}.{node.attr}", ATOM
    if isinstance(node, ast.Call):
        args = [print_code(a) for a in node.args]
        args += [f"{k.arg}={print_code(k.value)}" for k in node.keywords]
        return f"{_code_wrap(node.func, ATOM)}({', '.join(args)})", ATOM
    if isinstance(node, ast.UnaryOp):
        return _UNARY[type(node.op)] + _code_wrap(node.operand, UNARY), UNARY
    if isinstance(node, ast.BinOp):
        op, prec = _BIN[type(node.op)]
        if isinstance(node.op, ast.Pow):  # right-associative; the base binds tighter than unary
            left = _code_wrap(node.left, POW + 1)
            right = _code_wrap(node.right, UNARY)
            sep = "" if _simple(left) and _simple(right) else " "
            return f"{left}{sep}**{sep}{right}", POW
        left = _code_wrap(node.left, prec)
        right = _code_wrap(node.right, prec + 1)
        return f"{left} {op} {right}", prec
    if isinstance(node, ast.Compare):
        parts = [_code_wrap(node.left, COMPARE_PREC + 1)]
        for op, comp in zip(node.ops, node.comparators):
            parts += [_COMPARE[type(op)], _code_wrap(comp, COMPARE_PREC + 1)]
        return " ".join(parts), COMPARE_PREC
    if isinstance(node, ast.Tuple):
        items = [print_code(e) for e in node.elts]
        return f"({', '.join(items)}{',' if len(items) == 1 else ''})", ATOM
    if isinstance(node, ast.Dict):  # (an auxiliary value returned as a dict)
        items = [f"{print_code(k)}: {print_code(v)}" for k, v in zip(node.keys, node.values)]
        return f"{{{', '.join(items)}}}", ATOM
    if isinstance(node, ast.IfExp):
        parts = (_code_wrap(n, 2) for n in (node.body, node.test, node.orelse))
        return "{} if {} else {}".format(*parts), 1
    raise SymbackInternalError(f"the code printer has no rule for {type(node).__name__}")


def _constant(value) -> str:
    """A constant as Python reads it back: its repr; an integer too long for Python's decimal
    conversion (4,300 digits), which the user may write in hex, in hex."""
    if value is Ellipsis:
        return "..."
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 10_000:
        return hex(value)
    return repr(value)


def print_index(index: ast.expr) -> str:
    """What goes between the brackets of x[...]: slices as a:b:c, parts joined by commas."""
    if isinstance(index, ast.Tuple) and index.elts:
        return ", ".join(_index_part(e) for e in index.elts)
    return _index_part(index)


def _index_part(node: ast.expr) -> str:
    """One part of an index: a slice `a:b:c` or an expression."""
    if not isinstance(node, ast.Slice):
        return print_code(node)
    # (a conditional bound in parentheses: `x[:(a if c else b)]` reads as one bound)
    parts = [_code_wrap(p, 2) if p is not None else "" for p in (node.lower, node.upper)]
    text = ":".join(parts)
    if node.step is not None:
        text += ":" + _code_wrap(node.step, 2)
    return text


def _code_wrap(node: ast.expr, min_prec: int) -> str:
    text, prec = _code(node)
    return f"({text})" if prec < min_prec else text


# -- generated statements -------------------------------------------------------------------

_AUG = {ast.Add: "+=", ast.Sub: "-=", ast.Mult: "*=", ast.Div: "/="}


def print_statement(node: ast.stmt) -> str:
    """One generated statement (code.Line's tree) as a source row."""
    if isinstance(node, ast.Assign):
        target = node.targets[0]
        if isinstance(target, ast.Tuple):  # `a, b = x, y`: both sides without parentheses
            value = node.value
            right = [print_code(e) for e in value.elts] if isinstance(value, ast.Tuple) else None
            left = ", ".join(print_code(e) for e in target.elts)
            return f"{left} = {', '.join(right) if right else print_code(value)}"
        return f"{print_code(target)} = {print_code(node.value)}"
    if isinstance(node, ast.AugAssign):
        return f"{print_code(node.target)} {_AUG[type(node.op)]} {print_code(node.value)}"
    if isinstance(node, ast.Expr):
        return print_code(node.value)
    if isinstance(node, ast.Break):
        return "break"
    if isinstance(node, ast.Assert):  # the user's check, run in the forward pass
        message = "" if node.msg is None else f", {print_code(node.msg)}"
        return f"assert {print_code(node.test)}{message}"
    raise SymbackInternalError(f"the code printer has no rule for {type(node).__name__}")
