"""Lowering of element writes (`y[i] = v`, `y[i, j] += v`, `y[a:b] = v`) into ir.Write.

A mixin of the Lowerer (frontend/lower.py). A write gives the array a new SSA name, so
reads before and after it are different values (and a loop that writes an array carries
it). Indices must name each element once (a loop variable, an integer, a slice): the
adjoint of a write with a repeated index would depend on which copy NumPy kept. What may
still hold the old array after a write is checked on the whole function (frontend/stale.py).
"""

from __future__ import annotations

import ast

from .. import ir
from ..backend.printer import print_code, print_index
from ..ops import symbols

# `y op= v` written as the write `y[...] op v`; other operators read the element first.
WRITE_OPERATORS = {ast.Add: "+=", ast.Sub: "-="}
_INTEGER_OPERATORS = (ast.Add, ast.Sub, ast.Mult)
# Calls whose result is a new array the function may write into (np.copy copies here).
COPIES = frozenset({"numpy.copy", "numpy.array"})
_INDEX_HINT = (
    "index with loop variables, integers and slices (y[i], y[i - 1, j], y[1:]); for a "
    "computed index, build the array with np.where or arithmetic instead"
)


def written_names(stmts) -> set[str]:
    """The names whose elements the statements write (`y` of `y[i] = ...`, of
    `np.add.at(y, i, v)`)."""
    out = set()
    for stmt in stmts:
        for node in ast.walk(stmt):
            targets = getattr(node, "targets", None) or [getattr(node, "target", None)]
            for t in targets:
                if isinstance(node, (ast.Assign, ast.AugAssign)) and _element(t):
                    out.add(t.value.id)
            if is_add_at(node) and isinstance(node.value.args[0], ast.Name):
                out.add(node.value.args[0].id)
    return out


def is_add_at(stmt: ast.AST) -> bool:
    """`<module>.add.at(array, index, value)` as a statement of its own."""
    call = getattr(stmt, "value", None)
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "at"
        and isinstance(call.func.value, ast.Attribute)
        and call.func.value.attr == "add"
        and len(call.args) == 3
        and not call.keywords
    )


def _element(target) -> bool:
    return isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name)


class ElementWrites:
    """Methods of the Lowerer for element writes (see the module docstring)."""

    def add_at(self, stmt: ast.Expr) -> None:
        """`np.add.at(y, index, v)`: `y[index] += v`, where an index named twice adds twice."""
        call = stmt.value
        module = self.namespace.chain(call.func.value.value)
        if module is None or module.qualname != "numpy":
            self.fail(call.func, "`.add.at` of something other than NumPy", None)
        array, index, value = call.args
        target = ast.copy_location(ast.Subscript(array, index, ast.Store()), array)
        self.element_write(stmt, target, value, ast.Add(), accumulate=True)

    def element_write(
        self, stmt: ast.stmt, target: ast.Subscript, value: ast.expr, op=None, accumulate=False
    ):
        if not isinstance(target.value, ast.Name):
            self.fail(
                target,
                "only an element of a named array can be written (y[i, j], not y[i][j])",
                "write y[i, j] = ... for an element of a 2-D array",
            )
        name = target.value.id
        if name not in self.env:
            self.fail(target.value, f"`{name}` is written into before it has a value", None)
        if name in self.params and self.env[name] == name:
            self.fail(
                target,
                f"writing into `{name}` would change the array the caller passed in",
                f"write into a copy: `{name}_out = np.copy({name})`, then `{name}_out[...] = ...`",
            )
        if not accumulate:
            self.check_write_index(target.slice)
        if op is not None and type(op) not in WRITE_OPERATORS:  # y[i] *= v: y[i] = y[i] * v
            read = ast.copy_location(ast.Subscript(target.value, target.slice, ast.Load()), target)
            value = ast.copy_location(ast.BinOp(read, op, value), stmt)
            value.end_lineno, value.end_col_offset = stmt.end_lineno, stmt.end_col_offset
            op = None
        value_name = self.value_to_name(value)
        index, index_names = self.code_only(target.slice)
        np_index = ast.Subscript(
            ast.Attribute(ast.Name(self.modules.np, ast.Load()), "s_", ast.Load()),
            index,
            ast.Load(),
        )
        if accumulate:  # the index as given: np.add.at takes it whole
            np_index, op_text = index, "add.at"
        else:
            op_text = "=" if op is None else WRITE_OPERATORS[type(op)]
        written = self.new_version_name(name)
        self.body.append(
            ir.Write(
                written,
                self.env[name],
                value_name,
                tuple(index_names),
                print_code(np_index),
                print_index(index),
                op_text,
                self._line,
                self.source.place(target),
            )
        )
        self._alias(name, written)

    def check_write_index(self, index: ast.expr) -> None:
        """Each part a slice or an integer expression of loop variables and numbers."""
        for part in index.elts if isinstance(index, ast.Tuple) else [index]:
            if isinstance(part, ast.Slice) or self.integer_expression(part):
                continue
            self.fail(
                part,
                "symback writes an array only at indices that name each element once, and "
                "cannot tell that of this index",
                _INDEX_HINT,
            )

    def integer_expression(self, node: ast.expr) -> bool:
        """Is `node` surely an integer: numbers, loop variables, len(...), x.shape[k]?"""
        if isinstance(node, ast.Constant):
            return type(node.value) is int or node.value is Ellipsis
        if isinstance(node, ast.Name):
            if node.id in self.env:
                return node.id in self.loop_variables()
            resolved = self.namespace.lookup(node.id)
            return resolved.kind == "number" and isinstance(resolved.value, int)
        if isinstance(node, ast.BinOp) and isinstance(node.op, _INTEGER_OPERATORS):
            return self.integer_expression(node.left) and self.integer_expression(node.right)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return self.integer_expression(node.operand)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            return node.func.id == "len" and node.func.id not in self.env
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute):
            return node.value.attr == "shape" and self.integer_expression(node.slice)
        return False

    def loop_variables(self) -> set[str]:
        """Names bound only as the variable of `for _ in range(...)` (sliced or reversed
        too) or as enumerate's count: integers wherever they are read."""
        from .loops import over_range  # (loops.py imports this module)

        if getattr(self, "_loop_variables", None) is None:
            counters, bound = {}, {}
            for node in ast.walk(self.fdef):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    bound[node.id] = bound.get(node.id, 0) + 1
                if not isinstance(node, ast.For):
                    continue
                func = node.iter.func if isinstance(node.iter, ast.Call) else None
                kind = func.id if isinstance(func, ast.Name) else None
                counter = None
                if over_range(node.iter) and isinstance(node.target, ast.Name):
                    counter = node.target
                elif kind == "enumerate" and isinstance(node.target, ast.Tuple):
                    counter = node.target.elts[0]
                if isinstance(counter, ast.Name):
                    counters[counter.id] = counters.get(counter.id, 0) + 1
            self._loop_variables = {n for n, k in counters.items() if bound.get(n) == k}
        return self._loop_variables

    def fresh_copy(self, user_name: str, node: ast.expr) -> bool:
        """`y = np.copy(x)` / `y = x.copy()` for an array the function writes into: a real
        copy (elsewhere a copy is the same value as x, and lowering shares the name)."""
        if isinstance(node, ast.Call) and not node.keywords:
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "copy" and not node.args:
                source = func.value
            else:
                resolved = self.namespace.chain(func)
                if resolved is None or resolved.qualname not in COPIES or len(node.args) != 1:
                    return False
                source = node.args[0]
            copied = source.id if isinstance(source, ast.Name) else None
            if user_name not in self.written and copied not in self.written:
                return False
            name = self.value_to_name(source)
            target = self.new_version_name(user_name)
            code = ast.Call(self.module_attr("numpy.copy"), [ast.Name(name, ast.Load())], [])
            self.body.append(ir.Elementwise(target, symbols.operand(0), (name,), code, self._line))
            self._alias(user_name, target)
            return True
        return False

    @property
    def written(self) -> set[str]:
        """The names of the function whose elements it writes."""
        if getattr(self, "_written", None) is None:
            self._written = written_names(self.fdef.body)
        return self._written
