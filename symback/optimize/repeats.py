"""Repeated forward values: a statement computing what an earlier one did reads that one.

`x[:-1]` written twice (Rosenbrock) is two slices and two gradients scattered back; merged,
the function reads one value, and the statements using it see one operand, so their
derivatives are one term. Only straight-line statements at the top level are merged, and
only pure ones (elementwise maths and array primitives, not opaque code such as a random
draw); a name that a branch, a loop or the returned auxiliary value reads is kept, and a
function that writes into arrays in place is left as it is.
"""

from __future__ import annotations

import ast
import copy
import dataclasses

from .. import code, ir
from ..ops import symbols


def merge_repeats(fn: ir.Function) -> ir.Function:
    """`fn` with each repeated top-level computation replaced by its first occurrence."""
    if any(isinstance(s, ir.Write) for s in ir.every_statement(fn.body)):
        return fn  # an array written in place is not a value two names may share
    kept = _kept(fn)
    first: dict[tuple, str] = {}
    renames: dict[str, str] = {}
    body = []
    for s in fn.body:
        if isinstance(s, _RENAMED):
            s = _renamed(s, renames)  # opaque code reading a merged name reads the first too
        if isinstance(s, (ir.Elementwise, ir.Primitive)):
            key = (type(s).__name__, code.structure(s.code))
            if key in first and s.target not in kept and s.target != fn.output:
                renames[s.target] = first[key]
                continue
            first.setdefault(key, s.target)
        body.append(s)
    return fn if not renames else dataclasses.replace(fn, body=tuple(body))


# the statements whose reads this pass renames; names any other statement reads are kept
_RENAMED = (ir.Elementwise, ir.Primitive, ir.Opaque)


def _kept(fn: ir.Function) -> set[str]:
    """Names read inside branches and loops, by stack pushes and pops, or by the auxiliary
    value: never renamed."""
    names: set[str] = set()
    nodes = [] if fn.aux is None else [fn.aux]
    for s in fn.body:
        if not isinstance(s, _RENAMED):
            nodes.append(s.header if isinstance(s, ir.Loop) else None)
            names.update(ir.reads(s))
    for node in nodes:
        if node is not None:
            names |= ir.names_in(node)
    return names


def _renamed(s, renames: dict[str, str]):
    """The statement reading renamed names under their new ones (operands merged)."""
    if not any(o in renames for o in s.operands):
        return s
    code = _RenameNames(renames).visit(copy.deepcopy(s.code))
    operands = tuple(renames.get(o, o) for o in s.operands)
    if isinstance(s, ir.Primitive):  # an index or pass-through argument reads them too
        params = tuple((k, _renamed_argument(v, renames)) for k, v in s.params)
        return dataclasses.replace(s, operands=operands, code=code, params=params)
    if not isinstance(s, ir.Elementwise):
        return dataclasses.replace(s, operands=operands, code=code)
    unique = list(dict.fromkeys(operands))  # placeholder i reads unique[i]
    replace = {symbols.operand(i): symbols.operand(unique.index(o)) for i, o in enumerate(operands)}
    expr = s.expr.xreplace(replace)
    calls = tuple(
        (e.xreplace(replace), _RenameNames(renames).visit(copy.deepcopy(c))) for e, c in s.calls
    )
    return dataclasses.replace(s, expr=expr, operands=tuple(unique), code=code, calls=calls)


def _renamed_argument(value, renames: dict[str, str]):
    """A primitive's static argument reading renamed names under their new ones."""
    if isinstance(value, ast.AST):
        return _RenameNames(renames).visit(copy.deepcopy(value))
    if isinstance(value, tuple):
        return tuple(_renamed_argument(v, renames) for v in value)
    return value


class _RenameNames(ast.NodeTransformer):
    def __init__(self, renames: dict[str, str]):
        self.renames = renames

    def visit_Name(self, node: ast.Name):
        return ast.copy_location(ast.Name(self.renames.get(node.id, node.id), node.ctx), node)
