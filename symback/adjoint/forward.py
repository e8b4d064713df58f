"""The forward pass as generated code: the user's statements, with what the backward pass
needs saved on the way (a loop's carried values, inner calls its adjoints read, the elements
element writes overwrite)."""

from __future__ import annotations

import ast

from .. import code, ir
from .stacks import push


def forward_lines(stmts, stacks: dict[int, dict], kept=None, writes=None, tapes=None) -> list:
    """The forward pass of `stmts`: branches and loops as blocks; a loop whose backward pass
    needs them saves its carried values in `stacks`; a statement's inner calls that its
    adjoint reads (`kept`) are computed first, once; element writes log what they overwrite
    (`writes`, a writes.WriteLog); pushes and pops print as `tapes` (a stacks.Tapes) says."""
    kept = kept or {}
    out: list = []
    for s in stmts:
        if writes is not None:
            out += writes.before_statement(s)
        if isinstance(s, ir.If):
            then = forward_lines(s.then, stacks, kept, writes, tapes)
            orelse = forward_lines(s.orelse, stacks, kept, writes, tapes)
            test = code.name(s.cond)
            out.append(code.If(test=test, body=tuple(then), orelse=tuple(orelse), line=s.line))
        elif isinstance(s, ir.Loop):
            out += loop_lines(s, stacks, kept, writes, tapes)
        elif isinstance(s, ir.Write):
            out += writes.forward(s)
        elif isinstance(s, (ir.Push, ir.Pop)):
            out += tapes.forward(s)
        elif isinstance(s, ir.Opaque) and s.asserted:  # kept: it may stop the call
            out.append(code.Line(ast.Assert(s.code, s.message), s.line, effect=True))
        else:
            value = s.code
            done: list = []  # (name, the call as written); inner calls come first
            for name, call, here in kept.get(id(s), ()):
                written = call
                for earlier, inner in done:
                    written = code.replaced(written, inner, code.name(earlier))
                if here:  # (else an earlier statement of the block computed it)
                    out.append(code.assign(name, written, s.line))
                value = code.replaced(value, written, code.name(name))
                done.append((name, call))
            out.append(code.assign(s.target, value, s.line))
    return out


def loop_lines(loop: ir.Loop, stacks: dict[int, dict], kept=None, writes=None, tapes=None):
    """The forward loop, its carried values saved on stacks where the backward pass needs
    them (see forward_lines)."""
    out: list = [code.assign(e, code.name(b), loop.line) for b, e, _ in loop.carried if b != e]
    body = forward_lines(loop.body, stacks, kept, writes, tapes)
    # One stack per saved value, each a plain list pushed and popped: code symback itself
    # differentiates again (a second derivative), as it does a user's stack. The carried
    # values are saved as the iteration starts, the body's own (adjoint/recompute.py) as it
    # ends.
    saving = stacks.get(id(loop), {})
    entries = set(loop.targets)
    body += [push(stack, code.name(v)) for v, stack in saving.items() if v not in entries]
    body += [code.assign(e, code.name(end), loop.line) for _, e, end in loop.carried if e != end]
    for position, (entry, stack) in enumerate(s for s in saving.items() if s[0] in entries):
        body.insert(position, push(stack, code.name(entry)))
    out += [code.assign(stack, ast.List([], ast.Load()), loop.line) for stack in saving.values()]
    if loop.exit is not None:  # `break`: after the carried values are updated
        body.append(code.If(test=code.name(loop.exit), body=(code.stop(),), line=loop.line))
    if writes is not None:
        before, start = writes.loop_lines(loop)
        out += before
        body[:0] = start
    out.append(loop_block(loop, tuple(body)))
    return out


def loop_block(loop: ir.Loop, body: tuple) -> code.Block:
    """The loop as a block, as the user wrote it."""
    if loop.kind == "while":
        return code.While(test=loop.header, body=body, line=loop.line)
    return code.For(index=code.name(loop.index), iter=loop.header, body=body, line=loop.line)


def backward_block(loop: ir.Loop, body: tuple, count: str, index: str, names) -> code.Block:
    """The loop run backward, over the iterations that ran (`count`, bound before the loop,
    when the trip count is only known from what the forward loop saved; the variable
    `index` where the loop has none); `names` spell the builtins (naming.module_names)."""
    if loop.kind == "while":
        over = code.call(names["range"], code.name(count))
        return code.For(index=code.name(index), iter=over, body=body, line=loop.line)
    over = loop.header
    if loop.exit is not None:
        over = ast.Subscript(over, ast.Slice(None, code.name(count), None), ast.Load())
    over = code.call(names["reversed"], over)
    return code.For(index=code.name(loop.index), iter=over, body=body, line=loop.line)


def counted(loop: ir.Loop) -> bool:
    """Is the loop's trip count known only from what its forward run saved?"""
    return loop.kind == "while" or loop.exit is not None
