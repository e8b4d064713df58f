"""The path one call takes: each `if` decided, each loop unrolled, one step per statement run.

explain shows the dynamic computation graph of one call, as reverse mode sees it: the
branch the forward pass took (the other one does not exist for this call), and every
iteration of a loop as nodes of its own (`s[i=2]`, `h[t=0]`, `s[#3]` in a while loop's
third iteration). The steps come out in the order Python ran them, so walking them
backwards is the backward pass.
"""

from __future__ import annotations

import ast
import copy
import linecache
import math
import re
import sys
from dataclasses import dataclass

import numpy as np

from .. import ir
from ..backend.helpers import module_names
from ..backend.load import compiled_expression
from ..backend.printer import print_code
from ..errors import Place, SymbackError

# Statements run in one call beyond which explain refuses: an endless `while`, or a graph
# far too big to read (symback.grad has no such limit).
MAX_STEPS = 10_000


class ArgumentError(SymbackError):
    """The values given do not fit the function: a missing argument, shapes that clash, ..."""


@dataclass(frozen=True)
class Step:
    """One statement as it ran: its node, the nodes it read, their values, its value."""

    stmt: ir.Elementwise | ir.Primitive | ir.Opaque
    node: tuple  # (SSA name, iteration): unique in the call
    operands: tuple[tuple | None, ...]  # each operand's node; None for a constant of the
    # iteration (a loop counter, a stop flag): no node, no gradient
    arguments: tuple[object, ...]  # each operand's value
    value: object
    iteration: tuple[tuple[int, int], ...]  # (loop run, 0-based iteration) from outermost


@dataclass(frozen=True)
class Branch:
    """An `if` the call passed: its condition's value and the branch that ran."""

    line: int
    header: str  # `if x > 0`, `elif x < -1`
    value: bool
    taken: str  # "if", "elif", "else"; "next": on to the `elif`; "": no `else` to run
    iteration: tuple[tuple[int, int], ...]
    condition: tuple | None  # the condition's node


@dataclass(frozen=True)
class LoopRun:
    """One run of a loop: how many iterations, and why it stopped."""

    number: int
    line: int
    header: str  # `for i in range(3)`, `while s < 10`
    iterations: int
    break_line: int | None  # the `break` that stopped it, if one did
    iteration: tuple[tuple[int, int], ...]  # where the loop itself ran (nested loops)
    tags: tuple[str, ...]  # each iteration's tag: `i=0`, `#1`


@dataclass(frozen=True)
class Path:
    """Everything the forward pass did: the steps, the branches, the loops, the output."""

    steps: tuple[Step, ...]
    branches: tuple[Branch, ...]
    loops: tuple[LoopRun, ...]
    output: tuple | None
    control: frozenset  # nodes read by a branch condition or a loop test


def unroll(fn: ir.Function, arguments: dict[str, object]) -> Path:
    """Run `fn` at `arguments`, recording each statement's step and each decision."""
    walk = _Walk(fn, arguments)
    walk.block(fn.body)
    return Path(
        tuple(walk.steps),
        tuple(walk.branches),
        tuple(walk.loops),
        walk.env.get(fn.output),
        frozenset(walk.control),
    )


class _Walk:
    """The forward pass, statement by statement, on the path the values choose."""

    def __init__(self, fn: ir.Function, arguments: dict[str, object]):
        self.fn = fn
        modules = module_names(fn.user_names)
        self.namespace: dict[str, object] = {modules["np"]: np, modules["math"]: math}
        if "scipy.special" in sys.modules:  # (the user's function calls it: already imported)
            self.namespace[modules["special"]] = sys.modules["scipy.special"]
        self.namespace.update(ir.live_holders(fn))  # where constants are read from
        self.namespace.update(arguments)
        self.env: dict[str, tuple] = {p.name: (p.name, ()) for p in fn.params}
        self.constants: dict[str, object] = {}
        self.steps: list[Step] = []
        self.branches: list[Branch] = []
        self.loops: list[LoopRun] = []
        self.control: set[tuple] = set()
        self.iteration: tuple[tuple[int, int], ...] = ()
        self.break_line: int | None = None

    def block(self, stmts) -> None:
        for stmt in stmts:
            if isinstance(stmt, ir.If):
                self.branch(stmt)
            elif isinstance(stmt, ir.Loop):
                self.loop(stmt)
            else:
                self.statement(stmt)

    # -- straight-line statements ----------------------------------------------------------

    def statement(self, stmt) -> None:
        value = self.evaluate(stmt.code, stmt.line)
        target = stmt.target
        self.namespace[target] = value
        self.env.pop(target, None)
        self.constants.pop(target, None)
        if _is_flag(stmt):  # `break`'s stop flag, `returned = True`: no node of the graph
            self.constants[target] = value
            if value is True:
                self.break_line = stmt.line
            return
        if isinstance(stmt.code, ast.Name) and len(stmt.operands) == 1:  # a branch's merge
            self.alias(target, stmt.operands[0])
            return
        if len(self.steps) >= MAX_STEPS:
            raise SymbackError(
                f"explain stops after {MAX_STEPS} statements; this call runs more",
                place(self.fn.filename, stmt.line),
                hint="explain a smaller case (fewer iterations, a shorter input); "
                "symback.grad has no such limit",
            )
        node = (target, self.iteration)
        operands = tuple(self.env.get(o) for o in stmt.operands)
        arguments = tuple(self.namespace[o] for o in stmt.operands)
        self.steps.append(Step(stmt, node, operands, arguments, value, self.iteration))
        self.env[target] = node

    def alias(self, target: str, source: str) -> None:
        """`target` names the same value as `source` (and the same node, if it has one)."""
        if target == source:
            return
        self.namespace[target] = self.namespace[source]
        self.env.pop(target, None)
        self.constants.pop(target, None)
        if source in self.env:
            self.env[target] = self.env[source]
        elif source in self.constants:
            self.constants[target] = self.constants[source]

    def evaluate(self, code: ast.expr, line: int):
        try:
            return eval(compiled_expression(code, self.fn.name), self.namespace)
        except Exception as exc:  # the user's values fail in the user's code
            raise ArgumentError(
                f"evaluating {self.fn.name} at these values failed: {type(exc).__name__}: {exc}",
                place(self.fn.filename, line),
                hint="check the values passed (shapes must broadcast, domains must fit)",
            ) from exc

    def truth(self, value, line: int, what: str) -> bool:
        try:
            return bool(value)
        except ValueError:  # an array of conditions: Python cannot choose a branch
            raise ArgumentError(
                f"at these values {what} is an array of shape {np.shape(value)}, not one "
                "True or False",
                place(self.fn.filename, line),
                hint="pass values for which the condition is a single truth value, or "
                "choose elementwise with np.where",
            ) from None

    # -- branches ----------------------------------------------------------------------------

    def branch(self, stmt: ir.If) -> None:
        value = self.namespace[stmt.cond]
        header = _source_header(self.fn.filename, stmt.line, ("if", "elif"))
        taken = self.truth(value, stmt.line, f"the condition of `{header or 'if'}`")
        condition = self.env.get(stmt.cond)
        if condition is not None:
            self.control.add(condition)
        if header is not None:  # (an `if` symback wrote itself is no decision of the user's)
            word = header.split()[0] if taken else self.otherwise(stmt.orelse)
            self.branches.append(Branch(stmt.line, header, taken, word, self.iteration, condition))
        self.block(stmt.then if taken else stmt.orelse)
        for merged, a, b in stmt.outputs:
            self.alias(merged, a if taken else b)

    def otherwise(self, orelse) -> str:
        """What runs when the condition is False: the `elif`, the `else`, or nothing."""
        for s in orelse:
            if isinstance(s, ir.If) and _source_header(self.fn.filename, s.line, ("elif",)):
                return "next"
        return "else" if _computes(orelse) else ""

    # -- loops -------------------------------------------------------------------------------

    def loop(self, stmt: ir.Loop) -> None:
        number = len(self.loops)
        self.loops.append(None)  # its place, so loops inside it are numbered after it
        for before, entry, _ in stmt.carried:
            self.alias(entry, before)
        header = _source_header(self.fn.filename, stmt.line, ("for", "while"))
        header = header or f"{stmt.kind} {print_code(stmt.header)}"
        outer, tags, self.break_line = self.iteration, [], None
        for k, counter in enumerate(self.counters(stmt)):
            if stmt.index is not None:
                self.namespace[stmt.index] = counter
                self.env.pop(stmt.index, None)
                self.constants[stmt.index] = counter
            tags.append(self.tag(stmt, k, counter))
            self.iteration = outer + ((number, k),)
            self.block(stmt.body)
            for _, entry, end in stmt.carried:
                self.alias(entry, end)
            self.iteration = outer
            if stmt.exit is not None and self.namespace[stmt.exit]:
                break
        else:
            self.break_line = None  # the loop ran out (a `continue` may have set no flag)
        stopped = self.break_line
        self.loops[number] = LoopRun(
            number, stmt.line, header, len(tags), stopped, outer, tuple(tags)
        )
        self.break_line = None

    def counters(self, stmt: ir.Loop):
        """The loop counter's values (for), or None once per iteration (while)."""
        if stmt.kind == "for":  # (its header's values decide how many iterations run)
            self.control.update(self.env[n] for n in stmt.header_operands if n in self.env)
            yield from self.evaluate(stmt.header, stmt.line)
            return
        while True:
            for name in stmt.header_operands:
                if name in self.env:
                    self.control.add(self.env[name])
            test = self.evaluate(stmt.header, stmt.line)
            if not self.truth(test, stmt.line, "the `while` condition"):
                return
            yield None

    def tag(self, stmt: ir.Loop, k: int, counter) -> str:
        """`i=2` when the loop counter is the user's variable, `#3` (the 3rd iteration) when it
        is `_` or symback's own (`for v in x` counts with a hidden index)."""
        if stmt.index is not None and isinstance(counter, (int, np.integer)):
            name = user_name(stmt.index, self.fn)
            if name is not None and not name.startswith("_"):  # (`for _ in`: no name)
                return f"{name}={counter}"
        return f"#{k + 1}"


def user_name(ssa: str, fn: ir.Function) -> str | None:
    """The user's variable an SSA name is a value of (`s_2` -> `s`), if it is one."""
    base = ssa
    while True:
        if base in fn.user_names or base == fn.name:
            return base
        shorter = re.sub(r"_\d+$", "", base)
        if shorter == base:
            return None
        base = shorter


def _computes(stmts) -> bool:
    """Does a branch compute anything (more than the merge's copies and stop flags)?"""
    return any(
        isinstance(s, (ir.If, ir.Loop))
        or not (_is_flag(s) or (isinstance(s.code, ast.Name) and len(s.operands) == 1))
        for s in stmts
    )


def _is_flag(stmt) -> bool:
    """A truth constant symback set for `break` or `return` in a loop (or the user's flag)."""
    code = stmt.code
    return (
        isinstance(stmt, ir.Opaque)
        and isinstance(code, ast.Constant)
        and isinstance(code.value, bool)
    )


def _source_header(filename: str, line: int, keywords: tuple[str, ...]) -> str | None:
    """`if x > 0` from the user's line `if x > 0:`, when that line starts with a keyword."""
    text = linecache.getline(filename, line).strip()
    word = re.match(r"[a-z]+", text)
    if word is None or word.group() not in keywords:
        return None
    text = re.sub(r"\s*#.*$", "", text)  # (a comment after the colon)
    return text[:-1].rstrip() if text.endswith(":") else text


def display_code(code: ast.expr, names: dict[str, str], constants: dict[str, object]) -> str:
    """`code` over node names, with each loop counter written as its value."""
    code = copy.deepcopy(code)
    for node in ast.walk(code):
        for field, child in ast.iter_fields(node):
            if isinstance(child, list):
                for i, item in enumerate(child):
                    child[i] = _renamed(item, names, constants)
            else:
                setattr(node, field, _renamed(child, names, constants))
    return print_code(_renamed(code, names, constants))


def _renamed(node, names, constants):
    if not isinstance(node, ast.Name):
        return node
    if node.id in names:
        return ast.Name(names[node.id], node.ctx)
    value = constants.get(node.id)
    if isinstance(value, (bool, int, float, np.integer, np.floating)):
        return ast.Constant(value.item() if isinstance(value, np.generic) else value)
    return node


def place(filename: str, line: int) -> Place:
    """The user's line, for an error's caret."""
    text = linecache.getline(filename, line)
    indent = len(text) - len(text.lstrip())
    return Place(filename, line, indent, text)
