"""--at's values, for check and explain: literals and a few NumPy constructors, never eval."""

from __future__ import annotations

import ast
import operator

import numpy as np

from .common import UsageError

# The NumPy names --at may use: constructors of arrays and a few constants. The text is
# evaluated by walking its tree, so nothing else can be called (no np.load, no builtins).
NUMPY_FUNCTIONS = {
    name: getattr(np, name)
    for name in (
        "array",
        "asarray",
        "ones",
        "zeros",
        "full",
        "eye",
        "identity",
        "arange",
        "linspace",
        "ones_like",
        "zeros_like",
        "full_like",
        "diag",
        "sqrt",
        "exp",
        "log",
        "sin",
        "cos",
        "float64",
    )
}
NUMPY_CONSTANTS = {"pi": np.pi, "e": np.e, "inf": np.inf, "nan": np.nan}
DTYPES = {"float64": np.float64, "float32": np.float32, "int64": np.int64}
METHODS = ("reshape", "astype")  # methods an array value may call
BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.MatMult: operator.matmul,
}
UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}
LARGEST = 10_000_000  # elements an --at array may have (np.ones(10**12) must not be tried)
AT_HELP = (
    'NAME=VALUE items separated by commas, e.g. "w=[1, 2], b=0.5, x=np.ones(3)": numbers, '
    "lists (float arrays), arithmetic, np.pi and np.array/ones/zeros/full/eye/arange/"
    "linspace/... (nothing else is evaluated)"
)


def parse_at(text: str) -> dict[str, object]:
    """ "w=[1, 2], b=0.5, x=np.ones(3)" -> {"w": array([1., 2.]), "b": 0.5, "x": array(...)}.

    Lists and tuples become float arrays; numbers stay as written (an int stays an int).
    """
    if not text.strip():
        return {}
    try:
        call = ast.parse(f"f({text})", mode="eval").body
    except SyntaxError:
        raise UsageError(f"--at must be {AT_HELP}; got {text!r}") from None
    if not isinstance(call, ast.Call) or call.args or any(k.arg is None for k in call.keywords):
        raise UsageError(f"--at takes NAME=VALUE items only, got {text!r}")
    values = {}
    for keyword in call.keywords:
        shown = ast.get_source_segment(f"f({text})", keyword.value)
        try:
            value = _value(keyword.value)
        except _NotAllowed as exc:
            raise UsageError(f"--at {keyword.arg}={shown}: {exc}") from None
        except (ArithmeticError, ValueError, TypeError) as exc:
            raise UsageError(f"--at {keyword.arg}={shown}: {type(exc).__name__}: {exc}") from None
        values[keyword.arg] = _as_argument(value, f"{keyword.arg}={shown}")
    return values


class _NotAllowed(Exception):
    """Something --at does not evaluate."""


def _value(node: ast.expr):
    """The value of one --at expression, allowing only what NUMPY_FUNCTIONS etc. name."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, complex, bool)):
        return node.value
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_value(item) for item in node.elts]
    if isinstance(node, ast.UnaryOp) and type(node.op) in UNARY:
        return UNARY[type(node.op)](_value(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        left, right = _value(node.left), _value(node.right)
        if isinstance(node.op, ast.Pow) and np.max(np.abs(right)) > 1000:
            raise _NotAllowed("an exponent above 1000 is not evaluated")
        return BINARY[type(node.op)](_array(left), _array(right))
    if isinstance(node, ast.Attribute):
        if _numpy_name(node.value) and node.attr in NUMPY_CONSTANTS:
            return NUMPY_CONSTANTS[node.attr]
        if _numpy_name(node.value) and node.attr in DTYPES:
            return DTYPES[node.attr]
        if node.attr == "T":
            return np.asarray(_value(node.value)).T
    if isinstance(node, ast.Call):
        return _call(node)
    what = ast.unparse(node)
    raise _NotAllowed(f"{what!r} is not evaluated; use {AT_HELP}")


def _call(node: ast.Call):
    func = node.func
    args = [_value(arg) for arg in node.args]
    kwargs = {k.arg: _value(k.value) for k in node.keywords if k.arg is not None}
    if len(kwargs) != len(node.keywords):
        raise _NotAllowed("**keywords are not evaluated")
    if isinstance(func, ast.Attribute) and _numpy_name(func.value):
        if func.attr not in NUMPY_FUNCTIONS:
            raise _NotAllowed(f"np.{func.attr} is not evaluated; use {AT_HELP}")
        if "dtype" in kwargs:
            kwargs["dtype"] = _dtype(kwargs["dtype"])
        _check_size(func.attr, args, kwargs)
        return NUMPY_FUNCTIONS[func.attr](*args, **kwargs)
    if isinstance(func, ast.Attribute) and func.attr in METHODS:
        if func.attr == "astype":
            args = [_dtype(a) for a in args]
        return getattr(np.asarray(_value(func.value)), func.attr)(*args, **kwargs)
    raise _NotAllowed(f"{ast.unparse(func)}(...) is not evaluated; use {AT_HELP}")


def _numpy_name(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id in ("np", "numpy")


def _dtype(value):
    """A dtype given as np.float64 (already the type) or "float64"."""
    if isinstance(value, str) or any(value is dtype for dtype in DTYPES.values()):
        return np.dtype(value)
    raise _NotAllowed(f"dtype {value!r} is not evaluated")


def _check_size(name: str, args: list, kwargs: dict) -> None:
    """Refuse constructors asked for more than LARGEST elements before they allocate."""
    shape = kwargs.get("shape", args[0] if args and name in ("ones", "zeros", "full") else None)
    if name in ("eye", "identity") and args:
        shape = (args[0], args[0])
    if name == "arange" and args:
        shape = np.ceil(np.abs((args[1] - args[0]) if len(args) > 1 else args[0]))
    if name == "linspace":
        shape = kwargs.get("num", args[2] if len(args) > 2 else 50)
    if shape is not None and np.prod(np.asarray(shape, dtype=float)) > LARGEST:
        raise _NotAllowed(f"more than {LARGEST:,} elements")


def _array(value):
    """A list operand of arithmetic as the float array it stands for."""
    return np.asarray(value, dtype=float) if isinstance(value, list) else value


def _as_argument(value, shown: str):
    """Lists become float arrays (a ragged list is a usage error); the rest stays as it is."""
    if isinstance(value, list):
        try:
            return np.asarray(value, dtype=float)
        except (ValueError, TypeError):
            raise UsageError(f"--at {shown}: not a rectangular array of numbers") from None
    return value
