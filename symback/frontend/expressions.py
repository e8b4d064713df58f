"""Lowering of constants, names, arithmetic and comparisons: what each statement is made of.

Array operations (frontend/arrays.py), calls (calls.py) and `a if c else b` (control.py)
have handlers of their own.
"""

from __future__ import annotations

import ast
from dataclasses import replace

import sympy as sp

from .. import ir
from ..ops.functions import Remainder, power
from . import arrays, core, outside, stacks, tuples
from .core import handler
from .state import Lowering
from .values import Operands, Val

_ARITHMETIC = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: power,
    ast.Mod: Remainder,
}
_BOOLEAN_OPS = (ast.BitAnd, ast.BitOr)


@handler
def value_Constant(st: Lowering, node: ast.Constant, operands, target) -> Val:
    v = node.value
    if isinstance(v, bool):  # a flag, like a comparison's result
        return Val(sp.S.Zero, ast.Constant(v), boolean=True)
    if not isinstance(v, (int, float)):
        st.fail(node, f"the constant {v!r} has no derivative", "use a number")
    return Val(sp.Integer(v) if isinstance(v, int) else sp.Float(v), ast.Constant(v))


@handler
def value_Name(st: Lowering, node: ast.Name, operands, target) -> Val:
    if stacks.stack_of(st, node) is not None:
        stacks.refuse_stack_use(st, node)
    tuples.check_held(st, node)
    if st.env.get(node.id) in st.tuples:
        st.fail(
            node,
            f"`{node.id}` holds the {len(st.tuples[st.env[node.id]])} values a call returned: "
            "symback reads them one at a time",
            f"take one with a literal index ({node.id}[0]), or unpack them",
        )
    if node.id in st.env:
        val = core.operand(st, st.env[node.id], operands)
        return replace(val, sequence=True) if st.env[node.id] in st.lists else val
    if node.id in st.user_names:
        st.fail(
            node,
            f"`{node.id}` is used where it may have no value (before it is assigned, or "
            "after an `if` that assigns it in one branch only)",
            "assign it on every path before this line",
        )
    return outside.outside(st, node, st.namespace.lookup(node.id), operands)


@handler
def value_Attribute(st: Lowering, node: ast.Attribute, operands, target) -> Val:
    row = tuples.tuple_row(st, node.value)
    if row is not None:  # np.linalg.slogdet(A).logabsdet
        return tuples.tuple_part(st, node.value, row, node.attr, node, operands, target)
    if outside.of_array(st, node.value):
        return arrays.local_attribute(st, node, operands, target)
    return outside.outside(st, node, st.namespace.chain(node), operands)


@handler
def value_UnaryOp(st: Lowering, node: ast.UnaryOp, operands, target) -> Val:
    # (~mask: a statement of its own reads the mask, not the statement being built)
    inner = core.value(st, node.operand, Operands() if _masking(node) else operands)
    _refuse_sequence(st, node, (inner,))
    code = ast.UnaryOp(node.op, inner.code)
    if isinstance(node.op, ast.Invert):
        if not inner.boolean:
            st.fail(node, "~ on numbers has no derivative", "use ~ only on comparisons")
        return _mask(st, code, operands, target)
    if inner.boolean:
        st.fail(node, "arithmetic on a comparison result", "convert with np.where")
    return Val(-inner.expr if isinstance(node.op, ast.USub) else inner.expr, code)


@handler
def value_BinOp(st: Lowering, node: ast.BinOp, operands, target) -> Val:
    if isinstance(node.op, ast.MatMult):
        return arrays.matmul(st, node, operands, target)
    if isinstance(node.op, ast.FloorDiv):
        return _floor_division(st, node, operands, target)
    # A chain `x0 + x1 + ... + x999` is a left-deep tree as deep as it is long: walk its
    # left spine in a loop, not by recursion, so its length is not bounded by Python's stack.
    spine = [node]
    while isinstance(spine[-1].left, ast.BinOp) and not isinstance(
        spine[-1].left.op, (ast.MatMult, ast.FloorDiv)
    ):
        spine.append(spine[-1].left)
    # A mask of masks (`a & b | c`) is a statement of its own (_mask) reading its masks: they
    # are not operands of the statement being built, nor is a step inside such a chain.
    left = core.value(st, spine[-1].left, Operands() if _masking(spine[-1]) else operands)
    terms = None  # a run of + and - so far: its terms, summed once where the run ends
    for k in range(len(spine) - 1, -1, -1):
        each = spine[k]
        right = core.value(st, each.right, Operands() if _masking(each) else operands)
        _refuse_sequence(st, each, (left, right))
        if k and _additive(each) and _additive(spine[k - 1]) and not left.boolean:
            # Inside the run the partial sums are never values of their own (SymPy
            # flattens them into the whole): one Add of every term, not one per step,
            # which would cost as much as the run's length squared.
            terms = terms or [left.expr]
            terms.append(right.expr if isinstance(each.op, ast.Add) else -right.expr)
            left = Val(None, ast.BinOp(left.code, each.op, right.code))
            continue
        if terms is not None:
            left = Val(sp.Add(*terms), left.code)
            terms = None
        reader = Operands() if k and _masking(each) and _masking(spine[k - 1]) else operands
        left = _binary(st, each, left, right, reader, target if k == 0 else None)
    return left


def _masking(node: ast.BinOp | ast.UnaryOp) -> bool:
    """`a & b`, `a | b`, `~a`: a mask made of masks."""
    return isinstance(node.op, (*_BOOLEAN_OPS, ast.Invert))


def _compared(st: Lowering, node: ast.expr, inner: Operands) -> Val:
    """A side of a comparison: a string is allowed there (`mode == "fast"`, of a parameter
    no gradient is asked of), as it is nowhere else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return Val(sp.S.Zero, ast.Constant(node.value))
    return core.value(st, node, inner)


def _floor_division(st: Lowering, node: ast.BinOp, operands, target) -> Val:
    """`a // b`: an integer count (an index `i // 2`, a number of blocks), piecewise
    constant in a and b, so no gradient flows through it: a value of its own."""
    inner = Operands()
    left, right = core.value(st, node.left, inner), core.value(st, node.right, inner)
    _refuse_sequence(st, node, (left, right))
    if left.boolean or right.boolean:
        st.fail(node, "// of a comparison result is not supported", None)
    code = ast.BinOp(left.code, ast.FloorDiv(), right.code)
    return arrays.emit_opaque(st, code, inner.names, target, operands)


def _refuse_sequence(st: Lowering, node: ast.expr, values) -> None:
    """Python's operators on a tuple or list constant do what they do on sequences (`2 *
    COEFFS` repeats it): not the array symback reads it as."""
    for v in values:
        if v.sequence:
            st.fail(
                node,
                "a list or tuple in Python arithmetic: it would repeat or join the "
                "sequence, not compute with its numbers",
                "make it an array (np.array([...])), or write np.asarray(...) around it",
            )


def _additive(node: ast.BinOp) -> bool:
    return isinstance(node.op, (ast.Add, ast.Sub))


def _binary(st: Lowering, node: ast.BinOp, left: Val, right: Val, operands, target) -> Val:
    """`node` (not @) of its lowered operands."""
    code = ast.BinOp(left.code, node.op, right.code)
    if isinstance(node.op, _BOOLEAN_OPS):
        if not (left.boolean and right.boolean):
            st.fail(node, "& and | are only supported between comparisons", None)
        return _mask(st, code, operands, target)
    value = Val(_ARITHMETIC[type(node.op)](left.expr, right.expr), code)
    if value.expr.is_Add or value.expr.is_Mul and isinstance(node.op, ast.Mult):
        # a sum or product a derivative may read again (d/dx of t / (2.0 + x), of
        # cos(d * e): -e sin(d * e))
        operands.calls.setdefault(value.expr, value.code)
    return value


def _mask(st: Lowering, code: ast.expr, operands, target) -> Val:
    """A mask made of masks (`a | b`, `~a`), as a comparison is: a value of its own, read by
    name (np.where's derivatives select by it; as a number it would be none)."""
    reads = [n.id for n in ast.walk(code) if isinstance(n, ast.Name) and n.id in st.boolean]
    return _named_mask(st, code, list(dict.fromkeys(reads)), operands, target)


def _named_mask(st: Lowering, code: ast.expr, reads: list[str], operands, target) -> Val:
    """`target = code`, a mask no gradient goes through, as an operand of what reads it."""
    name = target or st.temp()
    st.body.append(ir.Opaque(name, tuple(reads), code, st.line))
    st.boolean.add(name)
    return core.operand(st, name, operands)


@handler
def value_Compare(st: Lowering, node: ast.Compare, operands, target) -> Val:
    inner = Operands()
    parts = [_compared(st, c, inner) for c in [node.left, *node.comparators]]
    _refuse_sequence(st, node, parts)
    code = ast.Compare(parts[0].code, node.ops, [p.code for p in parts[1:]])
    return _named_mask(st, code, inner.names, operands, target)
