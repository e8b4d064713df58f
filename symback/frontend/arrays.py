"""Lowering of array operations: primitive calls, methods, `.T`, `@` and indexing.

Each array operation becomes an ir.Primitive whose first operands are the differentiable
arrays; shape arguments and indices are kept as forward code over inactive operands, and
`axis`-like arguments must be literals.
"""

from __future__ import annotations

import ast
import copy
import math

import numpy

from .. import ir
from ..ops import symbols
from ..ops.arrays import METHODS, PRIMITIVES_BY_OP, ArrayPrimitive
from ..ops.build import tree  # (a literal argument as code: lists, tuples, numbers)
from . import core, einsum, integers, outside, views
from .state import Lowering

# Builtins a shape argument may call (known NumPy functions such as np.shape are allowed too).
SHAPE_CALLS = frozenset({"len", "int", "min", "max"})

# What a slice's bounds may call (`g[: np.shape(a)[0]]`, `x[len(y) :]`): pure functions of
# shapes and integers, so that the bound is the same integer when the backward pass reads
# the index again. (Any other call, np.random.randint say, may not be.)
BOUND_CALLS = frozenset(
    {"builtins.len", "builtins.int", "builtins.min", "builtins.max"}
    | {"numpy.shape", "numpy.ndim", "numpy.size"}
)

# Attributes of an array that are plain data: no gradient flows through them.
DATA_ATTRIBUTES = frozenset({"shape", "ndim", "size", "dtype"})


def local_attribute(st: Lowering, node: ast.Attribute, operands, target):
    """`x.T`, or `x.shape`-style data, of a local array."""
    if node.attr == "T":
        array = core.value_to_name(st, node.value)
        code = ast.Attribute(ast.Name(array, ast.Load()), "T", ast.Load())
        return emit_primitive(st, "transpose", (array,), (("axes", None),), code, target, operands)
    if node.attr in DATA_ATTRIBUTES:
        code, names = code_only(st, node)
        return emit_opaque(st, code, names, target, operands)
    st.fail(
        node,
        f"attribute `.{node.attr}` of an array is not supported",
        "use the NumPy function form (np.transpose, np.real, ...) if it has one",
    )


def method_call(st: Lowering, node: ast.Call, operands, target):
    """`x.sum(axis=0)` is lowered as `np.sum(x, axis=0)`."""
    method = node.func.attr
    row = METHODS.get(method)
    if row is None:
        if method == "copy" and not node.args and not node.keywords:
            if not st.written:  # nothing written: the copy is the same value
                return core.value(st, node.func.value, operands, target)
            copied = real_copy(st, core.value_to_name(st, node.func.value), target)
            return core.operand(st, copied, operands)
        base = node.func.value
        if isinstance(base, ast.Name) and st.env.get(base.id) in st.lists:
            st.fail(
                node,
                f"`{base.id}` is a list of values, which symback reads as an array; "
                f"`.{method}()` is not supported on it",
                "a list used as a stack starts empty: s = [], then s.append(v)",
            )
        st.fail(
            node,
            f"the array method `.{method}()` is not supported",
            "use NumPy functions; see docs/supported.md",
        )
    args = [node.func.value, *node.args]
    if row.varargs and len(node.args) > 1:  # x.reshape(3, 4) means x.reshape((3, 4))
        args = [node.func.value, ast.Tuple(list(node.args), ast.Load())]
    return primitive_call(st, node, row, args, node.keywords, operands, target, method=method)


def real_copy(st: Lowering, name: str, target: str | None) -> str:
    """`np.copy(name)` as a statement of its own: a new array, which no later write into
    `name` (or into what it is a view of) changes."""
    target = target or st.temp()
    code = ast.Call(outside.module_attr(st, "numpy.copy"), [ast.Name(name, ast.Load())], [])
    st.body.append(ir.Elementwise(target, symbols.operand(0), (name,), code, st.line))
    return target


def primitive_call(
    st: Lowering,
    node,
    row: ArrayPrimitive,
    args,
    keywords,
    operands,
    target,
    func=None,
    method=None,
    part=None,
):
    """A call of an array primitive: arrays first, then literal or pass-through arguments.

    `func` is the function as the forward code calls it (default: the row's first name);
    an operation that is a method only (`x.flatten()`) is called as the method."""
    params, extra_codes, extra_names = [], [], []
    if row.layout == "sequence" and row.whole and args and not _written_out(args[0]):
        arrays = (core.value_to_name(st, args[0]),)  # np.vstack(A): A's items
        array_codes = [ast.Name(arrays[0], ast.Load())]
        params.append(("whole", True))
        extra = args[1:]
    elif row.layout == "sequence":  # np.stack([a, b], axis=0)
        if not args or not _written_out(args[0]):
            st.fail(node, f"{row.spelled} needs a list of arrays written out: [a, b]", None)
        arrays = tuple(core.value_to_name(st, a) for a in args[0].elts)
        array_codes = [ast.List([ast.Name(a, ast.Load()) for a in arrays], ast.Load())]
        extra = args[1:]
    elif row.layout == "after_subscripts":  # np.einsum("ij,j->i", A, x)
        if args and not isinstance(args[0], ast.Constant):  # np.einsum(A, [0, 1], x, [1])
            subscripts, args = einsum.sublists(st, args, literal)
        else:
            subscripts = literal(st, args[0], "the subscripts") if args else None
        if not isinstance(subscripts, str):
            st.fail(
                node,
                "np.einsum needs literal subscripts, such as 'ij,j->i'",
                "write the subscripts as a string, or as lists of integers after each array",
            )
        if "->" not in subscripts:  # the implicit output: the indices met once, in order
            subscripts = einsum.with_output(subscripts)
        if not einsum.valid_subscripts(subscripts):
            st.fail(
                node.args[0],
                f"np.einsum subscripts {subscripts!r} are not letters, commas, `...` and "
                "one `->`",
                "name each axis with one letter: 'ij,jk->ik', '...ij->...ji'",
            )
        params.append(("subscripts", subscripts))
        arrays = tuple(core.value_to_name(st, a) for a in args[1:])
        array_codes = [ast.Constant(subscripts)] + [ast.Name(a, ast.Load()) for a in arrays]
        extra = []
    elif row.layout == "after_shape":  # np.full(shape, fill_value)
        if len(args) != 2:
            st.fail(
                node,
                f"{row.spelled} needs a shape and a fill value",
                "write np.full(shape, value); for a dtype, convert the result",
            )
        shape_code, extra_names = code_only(st, args[0], SHAPE_CALLS)
        arrays = (core.value_to_name(st, args[1]),)
        array_codes = [shape_code, ast.Name(arrays[0], ast.Load())]
        extra = []
    else:
        if len(args) < row.arrays:
            st.fail(node, f"{row.spelled} needs {row.arrays} array argument(s)", None)
        arrays = tuple(core.value_to_name(st, a) for a in args[: row.arrays])
        array_codes = [ast.Name(a, ast.Load()) for a in arrays]
        extra = args[row.arrays :]
    if len(extra) > len(row.positional) + row.passthrough:
        st.fail(
            extra[len(row.positional) + row.passthrough],
            f"this argument of {row.spelled} is not supported",
            f"pass {', '.join(row.static) or 'no further arguments'} by keyword",
        )
    for position, arg in enumerate(extra):
        if position < row.passthrough:  # a shape or an index: forward code only
            arg_code, names = code_only(st, arg, SHAPE_CALLS)
            extra_codes.append(arg_code)
            extra_names += names
            continue
        name = row.positional[position - row.passthrough]
        params.append((name, literal(st, arg, name)))
        extra_codes.append(literal_code(st, params[-1][1]))
    keyword_codes, by_keyword = [], []
    for k in keywords:
        if k.arg in row.array_keywords:  # special.logsumexp(x, b=w): w differentiable too
            by_keyword.append(k.arg)
            arrays += (core.value_to_name(st, k.value),)
            keyword_codes.append(ast.keyword(k.arg, ast.Name(arrays[-1], ast.Load())))
            continue
        if k.arg not in row.static:
            st.fail(
                k,
                f"{row.spelled} with `{k.arg}=` is not supported",
                (
                    f"the keywords it takes: {', '.join(row.static)}"
                    if row.static
                    else f"call {row.spelled} without keywords (convert the result if you must)"
                ),
            )
        params.append((k.arg, literal(st, k.value, k.arg)))
        keyword_codes.append(ast.keyword(k.arg, literal_code(st, params[-1][1])))
    if func is None and not row.names:
        func = ast.Attribute(array_codes[0], method, ast.Load())
        code = ast.Call(func, array_codes[1:] + extra_codes, keyword_codes)
    else:
        func = func or outside.module_attr(st, row.names[0])
        code = ast.Call(func, array_codes + extra_codes, keyword_codes)
    if part is not None:  # one part of the tuple it returns: np.linalg.eigh(A)[1]
        params.append(("part", part))
        code = ast.Subscript(code, ast.Constant(part), ast.Load())
    if row.passthrough:
        passed = extra_codes[: row.passthrough]
        params.append(("extra", tuple(copy.deepcopy(c) for c in passed)))
    if by_keyword:
        params.append(("by_keyword", tuple(by_keyword)))
    if row.layout != "leading":
        params.append(("count", len(arrays) - len(by_keyword)))
    all_operands = arrays + tuple(extra_names)
    return emit_primitive(st, row.op, all_operands, tuple(params), code, target, operands)


def _written_out(node: ast.expr) -> bool:
    return isinstance(node, (ast.List, ast.Tuple))


def matmul(st: Lowering, node: ast.BinOp, operands, target):
    a, b = core.value_to_name(st, node.left), core.value_to_name(st, node.right)
    code = ast.BinOp(ast.Name(a, ast.Load()), ast.MatMult(), ast.Name(b, ast.Load()))
    return emit_primitive(st, "matmul", (a, b), (), code, target, operands)


def only_new_axes(st: Lowering, node: ast.expr) -> bool:
    """Is the index only new axes (None, np.newaxis) among `:` and `...`?"""
    parts = node.elts if isinstance(node, ast.Tuple) else [node]

    def new_axis(part):
        if isinstance(part, ast.Constant):
            return part.value is None
        return isinstance(part, ast.Attribute) and part.attr == "newaxis"

    def whole(part):
        if isinstance(part, ast.Slice):
            return part.lower is None and part.upper is None and part.step is None
        return isinstance(part, ast.Constant) and part.value is Ellipsis

    if not any(new_axis(p) for p in parts):
        return False
    return all(new_axis(p) and _is_numpy_or_none(st, p) or whole(p) for p in parts)


def _is_numpy_or_none(st: Lowering, part: ast.expr) -> bool:
    return isinstance(part, ast.Constant) or is_numpy(st, part.value)


def is_basic_index(st: Lowering, node: ast.expr) -> bool:
    """Does the index read each element at most once (slices, integers, a boolean mask)?

    A slice never repeats an element whatever its bounds; any other part may be an integer
    array, which can (so its adjoint must add up): a list, a local value, or one built
    outside the index (`np.s_[[0, 2, 2]]`)."""
    parts = node.elts if isinstance(node, ast.Tuple) else [node]
    for part in parts:
        if isinstance(part, ast.Slice):
            continue
        if isinstance(part, ast.Name) and st.env.get(part.id) in st.boolean:
            continue  # a mask
        if integers.integer_expression(st, part):  # x[i], x[i - 1]: one element (writes.py)
            continue
        if isinstance(part, ast.Constant) and part.value is None:
            continue  # a new axis
        if isinstance(part, ast.Attribute) and part.attr == "newaxis":
            continue
        return False
    return True


def emit_primitive(st: Lowering, op, all_operands, params, code, target, operands):
    name = target or st.temp()
    row = PRIMITIVES_BY_OP.get(op)  # (none for a defgrad function's "custom")
    view = None if row is None else row.view
    if view is not None:  # the result may be a view of that array: it shares its memory
        st.views[name] = {all_operands[view]}
    prim = ir.Primitive(name, op, tuple(all_operands), tuple(params), code, st.line)
    st.body.append(prim)
    views.record(st, prim)
    return core.operand(st, name, operands)


def emit_opaque(st: Lowering, code, names, target, operands):
    name = target or st.temp()
    st.body.append(ir.Opaque(name, tuple(names), code, st.line))
    return core.operand(st, name, operands)


def is_numpy(st: Lowering, node: ast.expr) -> bool:
    resolved = st.namespace.chain(node)
    return resolved is not None and resolved.kind == "module" and resolved.value is numpy


def literal_code(st: Lowering, value) -> ast.expr:
    """A literal argument as code: infinities as np.inf (the rest by build.tree)."""
    if isinstance(value, float) and math.isinf(value):
        inf = outside.module_attr(st, "numpy.inf")
        return inf if value > 0 else ast.UnaryOp(ast.USub(), inf)
    return tree(value)


def literal(st: Lowering, node: ast.expr, what: str):
    negative = isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)
    inner = node.operand if negative else node
    if (
        isinstance(inner, ast.Attribute)
        and inner.attr in ("inf", "Inf")
        and is_numpy(st, inner.value)
    ):
        return -math.inf if negative else math.inf  # np.linalg.norm(x, np.inf)
    try:
        return ast.literal_eval(node)
    except ValueError:
        st.fail(
            node,
            f"`{what}` must be a literal (a number, a tuple of numbers, True/False or None)",
            "write the value itself here",
        )


def code_only(
    st: Lowering, node: ast.expr, calls=frozenset(), bounds=frozenset()
) -> tuple[ast.expr, list[str]]:
    """Forward code for a value no gradient flows through (a shape, an index), and the
    SSA names it reads. Local names are renamed to their SSA versions; the only calls
    allowed are to the builtins named in `calls`, and inside a slice's bounds to the
    functions `bounds` names (qualified names)."""
    names: list[str] = []

    def rewrite(n: ast.AST, bound: bool = False) -> ast.AST:
        if isinstance(n, ast.Name):
            if n.id in st.env:
                names.append(st.env[n.id])
                return ast.Name(st.env[n.id], ast.Load())
            return _outside_code(st, n, st.namespace.lookup(n.id), names)
        if isinstance(n, ast.Attribute) and not outside.starts_local(st, n):
            resolved = st.namespace.chain(n)
            if resolved is not None and resolved.value is numpy.s_:  # an index in code
                return outside.module_attr(st, "numpy.s_")
            if n.attr == "newaxis" and is_numpy(st, n.value):  # None, by its name
                return outside.module_attr(st, "numpy.newaxis")
            return _outside_code(st, n, resolved, names)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in calls:
            return ast.Call(st.modules.builtin(n.func.id), [rewrite(a) for a in n.args], [])
        if bound and isinstance(n, ast.Call) and not n.keywords:
            func = None if outside.starts_local(st, n.func) else st.namespace.chain(n.func)
            if func is not None and func.kind == "function" and func.qualname in bounds:
                args = [rewrite(a, bound) for a in n.args]
                return ast.Call(outside.module_attr(st, func.qualname), args, [])
        known = st.namespace.chain(n.func) if isinstance(n, ast.Call) and calls else None
        if known is not None and known.kind == "function" and not n.keywords:
            return ast.Call(
                outside.module_attr(st, known.qualname), [rewrite(a) for a in n.args], []
            )
        if isinstance(n, ast.Call):
            st.fail(
                n,
                "a function call inside an index or shape is not supported",
                "compute the index first, in its own assignment",
            )
        bound = bound or isinstance(n, ast.Slice)
        for field, value in ast.iter_fields(n):
            if isinstance(value, ast.AST):
                setattr(n, field, rewrite(value, bound))
            elif isinstance(value, list):
                value = [rewrite(v, bound) if isinstance(v, ast.AST) else v for v in value]
                setattr(n, field, value)
        return n

    return rewrite(copy.deepcopy(node)), sorted(set(names))


def _outside_code(st: Lowering, node: ast.expr, resolved, names: list[str]) -> ast.expr:
    """Code reading an outside value in an index or shape: a number, or a constant's name."""
    code = outside.outside(st, node, resolved, raw=True).code
    if isinstance(code, ast.Name):  # a constant, read at the function's start
        names.append(code.id)
    return code
