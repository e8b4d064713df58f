"""The lowering's dispatch: each statement and expression to its handler, by AST node type.

Handlers are plain functions of the state (frontend/state.py) and the node, named
`visit_<Node>` for statements and `value_<Node>` for expressions, and registered with
`@handler`, which files them by that name in STATEMENTS or EXPRESSIONS.
"""

from __future__ import annotations

import ast
from typing import Callable

from .. import ir
from ..ops import symbols
from .exits import lift_returns, tail_returns
from .state import Lowering
from .values import Operands, Val

STATEMENTS: dict[type, Callable] = {}  # ast.stmt type -> visit_<Node>(st, stmt)
EXPRESSIONS: dict[type, Callable] = {}  # ast.expr type -> value_<Node>(st, node, operands, target)


def handler(fn: Callable) -> Callable:
    """Register `visit_<Node>` / `value_<Node>` as the handler of ast.<Node>."""
    kind, _, node = fn.__name__.partition("_")
    table = {"visit": STATEMENTS, "value": EXPRESSIONS}[kind]
    table[getattr(ast, node)] = fn
    return fn


def lower_body(st: Lowering):
    """Lower the body's statements; (the returned SSA name(s), the aux code)."""
    body = st.fdef.body
    first = body[0] if body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        body = body[1:]  # the docstring
    body = lift_returns(body, st.return_names, st.fail)
    returned = run(st, tail_returns(body))
    if returned is None:
        st.fail(
            st.fdef,
            f"{st.fdef.name} returns nothing, so there is nothing to differentiate",
            "end the function with `return <scalar>`",
        )
    return returned


def run(st: Lowering, stmts: list[ast.stmt]):
    """Lower statements in order; (output, aux) if they end by returning, else None."""
    for i, stmt in enumerate(stmts):
        if not st.inlined:  # an inlined helper's statements keep the call's line
            st.line = st.source.place(stmt).lineno
        visit = STATEMENTS.get(type(stmt))
        if visit is None:  # (the fence lets through only statements with a handler)
            st.fail(stmt, f"symback does not support {type(stmt).__name__} here")
        returned = visit(st, stmt)
        if returned is not None:
            if i != len(stmts) - 1:
                st.fail(stmts[i + 1], "code after `return` never runs", "remove it")
            return returned
    return None


def value(st: Lowering, node: ast.expr, operands: Operands, target: str | None = None) -> Val:
    """Lower an expression into `operands`' statement: its SymPy form and forward code."""
    lower = EXPRESSIONS.get(type(node))
    if lower is None:
        what = {"List": "a list literal", "Tuple": "a tuple"}.get(type(node).__name__)
        st.fail(
            node,
            f"symback does not support {what or type(node).__name__} here",
            "build arrays outside the function and pass them in" if what else None,
        )
    return lower(st, node, operands, target)


def value_to_name(st: Lowering, node: ast.expr, target: str | None = None) -> str:
    """Lower `node` as a statement of its own and return the SSA name holding its value."""
    operands = Operands()
    val = value(st, node, operands, target)
    existing = operands.name_of(val.expr)
    if existing is not None and isinstance(val.code, ast.Name):
        return existing  # (an expression SymPy folds to an operand, `(x + c) - c` or
        # `np.sqrt(x)**2`, is still computed as written: its value is the user's)
    name = target or st.temp()
    emit_elementwise(st, name, val, operands)
    return name


def emit_elementwise(st: Lowering, name: str, val: Val, operands: Operands) -> None:
    if val.boolean:
        st.boolean.add(name)
    if val.boolean or not operands.names:
        st.body.append(ir.Opaque(name, tuple(operands.names), val.code, st.line))
    else:
        calls = tuple((e, c) for e, c in operands.calls.items() if e != val.expr)
        st.body.append(
            ir.Elementwise(name, val.expr, tuple(operands.names), val.code, st.line, calls)
        )


def operand(st: Lowering, name: str, operands: Operands) -> Val:
    """The SSA value `name` as an operand of the statement being built."""
    return Val(operands.use(name), ast.Name(name, ast.Load()), name in st.boolean)


def copy_value(st: Lowering, target: str, source: str, line: int) -> ir.Statement:
    """`target = source`, as a statement the gradient flows through."""
    code = ast.Name(source, ast.Load())
    if source in st.boolean:
        return ir.Opaque(target, (source,), code, line)
    return ir.Elementwise(target, symbols.operand(0), (source,), code, line)
