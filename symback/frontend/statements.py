"""Lowering of statements: assignments (plain, annotated, augmented, tuple) and `return`.

A mixin of the Lowerer (frontend/lower.py). A binding gives the user's name a new SSA
version; `y += v` becomes `y = y + v`, refused where another name may share y's memory.
"""

from __future__ import annotations

import ast

_OPERATOR_TEXT = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}


class Statements:
    """Methods of the Lowerer for assignments and returns (see the module docstring)."""

    def visit_Pass(self, stmt: ast.Pass) -> None:
        pass

    def visit_Assign(self, stmt: ast.Assign) -> None:
        if len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Subscript):
            return self.element_write(stmt, stmt.targets[0], stmt.value)
        for target in stmt.targets:
            self._check_target(target)
        if len(stmt.targets) != 1:
            self.fail(stmt, "chained assignment (a = b = ...) is not supported", "assign once")
        target = stmt.targets[0]
        if isinstance(target, ast.Tuple) and self.is_user_call(stmt.value):
            names = self.inline_call(stmt.value, self.callee(stmt.value))
            if not isinstance(names, tuple) or len(names) != len(target.elts):
                self.fail(stmt.value, "the helper does not return that many values", None)
            for t, name in zip(target.elts, names):
                self._alias(t.id, name)
        elif isinstance(target, ast.Tuple):
            if not isinstance(stmt.value, ast.Tuple) or len(stmt.value.elts) != len(target.elts):
                self.fail(
                    stmt.value,
                    "tuple unpacking needs a tuple of the same length on the right",
                    "write one assignment per name",
                )
            # Python evaluates the whole right side before binding any name.
            names = [self.value_to_name(v) for v in stmt.value.elts]
            for t, name in zip(target.elts, names):
                self._alias(t.id, name)
        else:
            self.assign(target.id, stmt.value)

    def visit_AnnAssign(self, stmt: ast.AnnAssign) -> None:
        self._check_target(stmt.target)
        if stmt.value is None:
            self.fail(stmt, "an annotation without a value binds nothing", "remove it or assign")
        self.assign(stmt.target.id, stmt.value)

    def visit_AugAssign(self, stmt: ast.AugAssign) -> None:
        if isinstance(stmt.target, ast.Subscript):
            return self.element_write(stmt, stmt.target, stmt.value, stmt.op)
        self._check_target(stmt.target)
        name = stmt.target.id
        if name not in self.env:
            self.fail(stmt.target, f"`{name}` is updated before it has a value", None)
        memory = self.same_memory(self.env[name])
        shared = sorted(
            n for n, v in self.env.items() if v in memory and n != name and self.read_after(n, stmt)
        )
        if shared:
            # On an array, `y += 1` also changes every other name for the same array.
            self.fail(
                stmt,
                f"`{name}` may be the same array as `{shared[0]}` here (another name for it, "
                "a view of it, or what min/max returned), and an in-place update changes both",
                f"write `{name} = {name} {_OPERATOR_TEXT.get(type(stmt.op), '+')} ...`, "
                "which makes a new value and leaves the other name alone",
            )
        value = ast.BinOp(ast.Name(name, ast.Load()), stmt.op, stmt.value)
        ast.copy_location(value, stmt)
        value.end_lineno, value.end_col_offset = stmt.end_lineno, stmt.end_col_offset
        self.assign(name, value)

    def same_memory(self, ssa: str) -> set[str]:
        """The SSA values that may be the same array as `ssa` (views, min/max results)."""
        group, todo = {ssa}, [ssa]
        while todo:
            current = todo.pop()
            linked = self.views.get(current, set()) | {
                v for v, bases in self.views.items() if current in bases
            }
            for other in linked - group:
                group.add(other)
                todo.append(other)
        return group

    def read_after(self, name: str, stmt: ast.stmt) -> bool:
        """Might `name` be read after `stmt` runs (later lines, or the next iteration)?"""
        if self._last_read is None:  # one walk of the function, the first time it is asked
            self._last_read = {}
            for n in ast.walk(self.fdef):
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
                    self._last_read[n.id] = max(self._last_read.get(n.id, 0), n.lineno)
        last = self._last_read.get(name)
        return last is not None and (last > stmt.end_lineno or self.loop_depth > 0)

    def _check_target(self, target: ast.expr) -> None:
        elts = target.elts if isinstance(target, ast.Tuple) else [target]
        for t in elts:
            if not isinstance(t, ast.Name):
                self.fail(
                    t,
                    "assigning to an element or attribute (an in-place write) is not supported",
                    "build a new array instead, e.g. with np.where or arithmetic",
                )

    def _alias(self, user_name: str, ssa: str) -> None:
        self.env[user_name] = ssa
        self.first_binding.add(user_name)

    def assign(self, user_name: str, node: ast.expr) -> None:
        """Bind `user_name` to the value of `node`, reusing its SSA name when it is one."""
        if self.fresh_copy(user_name, node):
            return
        name = self.value_to_name(node, target=self.new_version_name(user_name))
        self._alias(user_name, name)

    def lower_return(self, stmt: ast.Return):
        value = stmt.value
        if value is None:
            self.fail(
                stmt,
                "`return` without a value: nothing to differentiate",
                "return the scalar to differentiate",
            )
        aux_code = None
        if isinstance(value, ast.Tuple) and self.inlined:  # a helper may return several values
            return tuple(self.value_to_name(e) for e in value.elts), None
        if isinstance(value, ast.Tuple):
            if not self.has_aux or len(value.elts) != 2:
                self.fail(
                    value,
                    "the function returns a tuple; symback differentiates a single scalar output",
                    "return only the scalar, or return (scalar, aux) with has_aux=True",
                )
            value, aux_node = value.elts
            aux_code = self.aux_code(aux_node)
        elif self.has_aux:
            self.fail(value, "has_aux=True needs the function to return (scalar, aux)", None)
        if isinstance(value, ast.Name) and value.id in self.env:
            return self.env[value.id], aux_code
        return self.value_to_name(value, target=self.namer.fresh(self.fdef.name)), aux_code

    def aux_code(self, node: ast.expr) -> ast.expr:
        if isinstance(node, ast.Tuple):
            return ast.Tuple([self.aux_code(e) for e in node.elts], ast.Load())
        return ast.Name(self.value_to_name(node), ast.Load())
