"""The array-API target: generated statements' trees rewritten to call the standard's functions.

The gradient program's trees call NumPy (`np.sum(...)`) and symback's NumPy helpers; for the
array-API target the printer (backend/emit.py) prints each tree as rewritten here, node by
node: `xp.sum(...)`, `xp` being the namespace the generated function finds from its arguments
(array_api_compat), and the helpers of helper_xp.py. A NumPy function without a spelling in the
Python array API standard is refused by name (NotStandard, which pipeline.py turns into a
SymbackError at the user's line), never printed as it was.
"""

from __future__ import annotations

import ast

from .. import code
from ..errors import Place, SymbackError
from .helpers import HELPERS, XP_HELPERS

# NumPy functions the standard has under the same name, arguments in the same places
SAME = frozenset(
    """abs exp expm1 log log1p log2 log10 sin cos tan sinh cosh tanh sqrt square sign floor
    ceil round trunc logaddexp hypot matmul reshape moveaxis
    conj real imag isfinite isnan isinf clip eye zeros ones zeros_like ones_like
    full_like empty empty_like arange linspace asarray multiply add subtract divide negative
    positive floor_divide remainder equal not_equal less less_equal greater greater_equal
    logical_and logical_or logical_not logical_xor broadcast_arrays meshgrid
    nonzero any all sum prod mean max min std var argmax argmin argsort sort flip
    expand_dims stack tensordot""".split()
)
# ... under another name
RENAMED = {
    "absolute": "abs",
    "amax": "max",
    "amin": "min",
    "power": "pow",
    "arcsin": "asin",
    "arccos": "acos",
    "arctan": "atan",
    "arctan2": "atan2",
    "arcsinh": "asinh",
    "arccosh": "acosh",
    "arctanh": "atanh",
    "mod": "remainder",
    "true_divide": "divide",
    "concatenate": "concat",
}
# Functions whose arguments after the first are keyword-only in the standard: the keyword of
# each of NumPy's positional arguments from the second on
KEYWORDS = {
    **dict.fromkeys(("sum", "prod", "mean", "max", "min", "amax", "amin"), ("axis",)),
    **dict.fromkeys(("std", "var"), ("axis",)),
    **dict.fromkeys(("argmax", "argmin", "argsort", "sort", "flip"), ("axis",)),
    **dict.fromkeys(("expand_dims", "concatenate", "stack"), ("axis",)),
    "tensordot": (None, "axes"),
    "eye": (None, "k"),  # (None: the argument stays positional)
}
KEYWORD_NAMES = {"ddof": "correction"}  # (np.std, np.var)
# np.linalg functions of the standard's linalg extension (the same arguments)
LINALG = frozenset(
    "cholesky det eigh eigvalsh inv matrix_power pinv qr slogdet solve svd svdvals".split()
)
# NumPy functions written with a helper of helper_xp.py
BY_HELPER = frozenset(
    """shape ndim size broadcast_to transpose swapaxes heaviside maximum minimum where full
    squeeze array outer dot inner diagonal trace diag ravel copy cumsum hstack vstack
    column_stack""".split()
)
CONSTANTS = frozenset("pi e inf nan".split())
DTYPES = {
    **{n: n for n in "bool int8 int16 int32 int64 uint8 float32 float64".split()},
    **{"complex64": "complex64", "complex128": "complex128"},
    "float": "float64",
    "int": "int64",
    "complex": "complex128",
}
# array methods -> the standard's function of the array (other methods are the user's:
# a list's append)
METHODS = {"flatten": "reshape", "ravel": "reshape", "copy": "asarray", "astype": "astype"}


class NotStandard(Exception):
    """A NumPy function (or one of symback's helpers) that the standard cannot spell."""

    def __init__(self, name: str, line: int | None = None):
        super().__init__(name)
        self.name = name
        self.line = line


def takes_namespace(key: str) -> bool:
    """Does helper `key` of helper_xp.py take the namespace first?"""
    source = XP_HELPERS[key].source
    return source.split("(", 1)[1].startswith("xp")


class Translator:
    """One function's rewriting: its module names and helper names (`translate`), and the
    names it reads constants through (its module, a closure: `holders`)."""

    def __init__(self, names: dict[str, str], holders=frozenset()):
        self.names = names
        self.holders = frozenset(holders)
        self.np = names["np"]
        self.xp = code.name(names["xp"])
        self.helper_keys = {names[k]: k for k in HELPERS}

    def translate(self, node: ast.AST) -> ast.AST:
        """`node` in the standard's functions; NotStandard for what it has no spelling of."""
        return code.rebuilt(node, self._node)

    def _node(self, node: ast.AST):
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.BinOp) and not isinstance(node.op, (ast.BitAnd, ast.BitOr)):
            return ast.BinOp(self._operand(node.left), node.op, self._operand(node.right))
        if isinstance(node, ast.Subscript) and self._numpy_name(node.value) == "s_":
            return self._index(node.slice)
        if isinstance(node, ast.Attribute):
            dotted = self._numpy_name(node)
            if dotted is not None:
                return self._constant(dotted)
            if isinstance(node.value, ast.Name) and node.value.id in self.holders:
                return self._helper("constant", [node], [])
            if node.attr == "T" and isinstance(node.ctx, ast.Load):
                return self._helper("transpose", [self.translate(node.value)], [])
            if node.attr == "size" and isinstance(node.ctx, ast.Load):
                return self._helper("size", [self.translate(node.value)], [])
        if isinstance(node, ast.Name) and node.id in (self.np, self.names["special"]):
            raise NotStandard(node.id)
        return None

    def _numpy_name(self, node: ast.expr) -> str | None:
        """`np.linalg.solve` -> "linalg.solve"; None for what NumPy's name does not head."""
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name) and node.id == self.np and parts:
            return ".".join(reversed(parts))
        return None

    def _constant(self, dotted: str) -> ast.expr:
        if dotted in CONSTANTS:
            return code.attr(self.xp, dotted)
        if dotted == "newaxis":
            return ast.Constant(None)
        if dotted in DTYPES:
            return code.attr(self.xp, DTYPES[dotted])
        raise NotStandard(f"np.{dotted}")

    def _call(self, node: ast.Call):
        args = [self.translate(a) for a in node.args]
        keywords = [self._keyword(k) for k in node.keywords]
        func = node.func
        dotted = self._numpy_name(func)
        if dotted is not None:
            if dotted in ("sum", "mean", "cumsum") and node.args:  # (a count of where it holds)
                args[0] = self._operand(node.args[0])
            return self._numpy_call(dotted, args, keywords)
        if isinstance(func, ast.Name) and func.id in self.helper_keys:
            key = self.helper_keys[func.id]
            if key not in XP_HELPERS:
                raise NotStandard(f"symback's {key} helper (an operation's gradient)")
            return self._helper(key, args, keywords)
        if isinstance(func, ast.Attribute) and func.attr in METHODS:
            return self._method(func, args, keywords)
        if isinstance(func, ast.Name) and func.id == self.names["len"] and len(args) == 1:
            return self._helper("length", args, keywords)
        return ast.Call(self.translate(func), args, keywords)

    def _operand(self, node: ast.expr) -> ast.expr:
        """An operand of arithmetic: a comparison as numbers (the standard adds no booleans)."""
        if isinstance(node, ast.Compare):
            return self._helper("counted", [self.translate(node)], [])
        return self.translate(node)

    def _numpy_call(self, dotted: str, args, keywords) -> ast.Call:
        if dotted == "linalg.norm":
            return self._helper("norm", args, keywords)
        if dotted == "linalg.svd" and _keyword_false(keywords, "compute_uv"):
            return code.call(code.attr(self.xp, "linalg", "svdvals"), *args)
        if dotted.startswith("linalg.") and dotted[len("linalg.") :] in LINALG:
            return ast.Call(code.attr(self.xp, *dotted.split(".")), args, keywords)
        if dotted in BY_HELPER:
            return self._helper(dotted, args, keywords)
        if dotted not in SAME and dotted not in RENAMED:
            raise NotStandard(f"np.{dotted}")
        if dotted in KEYWORDS:  # (the arguments after the first by keyword)
            named = KEYWORDS[dotted]
            if len(args) > 1 + len(named):
                raise NotStandard(f"np.{dotted} with {len(args)} positional arguments")
            given = list(zip(named, args[1:]))
            keywords = [ast.keyword(k, a) for k, a in given if k is not None] + keywords
            args = args[:1] + [a for k, a in given if k is None]
        if dotted == "reshape" and len(args) == 2 and code.is_number(args[1]):
            args[1] = ast.Tuple([args[1]], ast.Load())  # (the standard takes a tuple)
        return ast.Call(code.attr(self.xp, RENAMED.get(dotted, dotted)), args, keywords)

    def _keyword(self, keyword: ast.keyword) -> ast.keyword:
        value = keyword.value
        if keyword.arg == "dtype" and isinstance(value, ast.Name) and value.id in DTYPES:
            value = code.attr(self.xp, DTYPES[value.id])
        else:
            value = self.translate(value)
        return ast.keyword(KEYWORD_NAMES.get(keyword.arg, keyword.arg), value)

    def _helper(self, key: str, args, keywords) -> ast.Call:
        front = [self.xp] if takes_namespace(key) else []
        return ast.Call(code.name(self.names[key]), front + list(args), keywords)

    def _method(self, func: ast.Attribute, args, keywords) -> ast.Call:
        array = self.translate(func.value)
        if func.attr in ("flatten", "ravel") and not args and not keywords:
            flat = ast.Tuple([code.number(-1)], ast.Load())
            return code.call(code.attr(self.xp, "reshape"), array, flat)
        if func.attr == "copy" and not args and not keywords:
            return code.call(code.attr(self.xp, "asarray"), array, copy=ast.Constant(True))
        if func.attr == "astype" and len(args) == 1:
            dtype = self._keyword(ast.keyword("dtype", args[0])).value
            return code.call(code.attr(self.xp, "astype"), array, dtype)
        raise NotStandard(f"the array method .{func.attr}(...) with these arguments")

    def _index(self, index: ast.expr) -> ast.expr:
        """np.s_[...]: the index itself, slices as slice(...) calls."""
        parts = index.elts if isinstance(index, ast.Tuple) else [index]
        out = [self._slice(p) if isinstance(p, ast.Slice) else self.translate(p) for p in parts]
        return ast.Tuple(out, ast.Load()) if isinstance(index, ast.Tuple) else out[0]

    def _slice(self, part: ast.Slice) -> ast.Call:
        bounds = [part.lower, part.upper, part.step]
        bounds = [ast.Constant(None) if b is None else self.translate(b) for b in bounds]
        return code.call(code.name(self.names["slice"]), *bounds)


def _keyword_false(keywords, name: str) -> bool:
    """Is keyword `name` given as False?"""
    return any(
        k.arg == name and isinstance(k.value, ast.Constant) and k.value.value is False
        for k in keywords
    )


def error(found: NotStandard, filename: str, line_text: str, function=None) -> SymbackError:
    """The user's error for a function the standard cannot spell, at its line (else at
    `function`, the Place of the function's `def`)."""
    spelled = found.name
    column = max(line_text.find(spelled.split(" ")[0].removeprefix("np.")), 0)
    place = function
    if found.line is not None:
        place = Place(filename, found.line, column, line_text)
    return SymbackError(
        f"{spelled} has no equivalent in the Python array API standard: the array-API "
        "gradient cannot call it",
        place,
        hint="write it with functions of the standard (or use the NumPy gradient: call it "
        "with NumPy arrays, or generate without --array-api)",
    )
