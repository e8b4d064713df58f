"""Lowering: the fenced function AST to SSA IR, one SymPy expression per user statement.

Normalisation happens on the way: augmented assignments become plain ones, tuple assignments
are split, re-assigned names get new SSA versions, and every array primitive or
non-differentiable call inside an expression becomes a statement of its own.

This module is the driver: it makes the state (frontend/state.py) and lowers the body
through the handlers (frontend/core.py dispatches each node type to its construct's module).
"""

from __future__ import annotations

import ast

from .. import ir

# Each construct's module registers its handlers (visit_<Node>, value_<Node>) with core.
from . import (  # noqa: F401
    arrays,
    calls,
    checks,
    control,
    core,
    expressions,
    indexing,
    loops,
    sequences,
    stacks,
    statements,
)
from .resolve import Namespace
from .source import SourceInfo
from .stale import check_writes
from .state import Lowering, ModuleNames


def lower_function(
    source: SourceInfo,
    fdef: ast.FunctionDef,
    namespace: Namespace,
    modules: ModuleNames,
    has_aux: bool = False,
) -> tuple[ir.Function, bool]:
    """The SSA IR of the function `fdef`, and whether its forward code uses math."""
    st = Lowering.of_function(source, fdef, namespace, modules, has_aux)
    output, aux = core.lower_body(st)
    function = ir.Function(
        name=fdef.name,
        filename=source.filename,
        params=tuple(_parameters(st)),
        body=tuple(st.prelude + st.body),
        output=output,
        output_line=st.line,
        aux=aux,
        user_names=frozenset(st.user_names),
        boolean=frozenset(st.boolean),
        custom=tuple(sorted(st.custom.items())),
        holders=tuple(sorted(st.holders.items(), key=lambda item: item[0])),
    )
    check_writes(function)
    return function, st.uses_math


def _parameters(st: Lowering):
    args = st.fdef.args
    positional_defaults = [None] * (len(args.args) - len(args.defaults)) + list(args.defaults)
    for a, default in zip(args.args, positional_defaults):
        yield ir.Parameter(a.arg, _literal_default(st, default), "positional")
    for a, default in zip(args.kwonlyargs, args.kw_defaults):
        yield ir.Parameter(a.arg, _literal_default(st, default), "keyword_only")


def _literal_default(st: Lowering, node: ast.expr | None) -> ast.expr | None:
    if node is None:
        return None
    try:
        ast.literal_eval(node)
    except ValueError:
        st.fail(
            node,
            "a parameter default must be a literal (a number, string, None, or a tuple of them)",
            "give the default as a literal, or pass the value at call time",
        )
    return node
