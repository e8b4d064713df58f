"""The naive log-sum-exp and softmax, fused into primitives whose adjoints are stable.

`np.log(np.sum(np.exp(x)))` lowers to three statements, whose adjoints multiply out to
exp(x) / sum(exp(x)): inf / inf = nan once exp overflows (x > 709), and 0 / 0 once every
exp underflows (x < -745), although the true gradient, the softmax of x, is finite. Fused
into one `logsumexp` statement (and `exp(x) / sum(exp(x))` into `naive_softmax`), the
forward code is still the user's own, composed back into one expression, so its value is
theirs bit for bit; the adjoint computes the softmax shifted by the maximum.

A pattern is fused only when the intermediate values have no other use, and not when the
user already subtracted the maximum (`s = z - np.max(z, ...)`): that forward is stable, and
its adjoint, which reads the forward values, is too.
"""

from __future__ import annotations

import ast
import copy
import dataclasses
from collections import Counter

import sympy as sp

from .. import ir
from ..naming import Namer
from ..ops import symbols

A0, A1 = symbols.operand(0), symbols.operand(1)
EXP, LOG = sp.exp(A0), sp.log(A0)


def fuse_exp_reductions(fn: ir.Function) -> ir.Function:
    """`fn` with each naive log-sum-exp and softmax as one primitive statement."""
    uses = _use_counts(fn)
    namer = Namer(set(fn.user_names) | set(uses) | _all_names(fn.body))
    return dataclasses.replace(fn, body=_block(fn.body, uses, namer))


def _block(stmts, uses: Counter, namer: Namer) -> tuple:
    out: list = []
    for s in stmts:
        if isinstance(s, ir.If):
            then, orelse = _block(s.then, uses, namer), _block(s.orelse, uses, namer)
            s = dataclasses.replace(s, then=then, orelse=orelse)
        elif isinstance(s, ir.Loop):
            s = dataclasses.replace(s, body=_block(s.body, uses, namer))
        out.append(s)
    out = _split_exponents(out, uses, namer)
    defined = {s.target: s for s in out if isinstance(s, (ir.Elementwise, ir.Primitive))}
    dropped: set[str] = set()
    fused_out: list = []
    for s in out:
        fused = _logsumexp(s, defined, uses, namer) or _softmax(s, defined, uses, namer)
        if fused is None:
            fused_out.append(s)
            continue
        statements, gone = fused
        fused_out += statements
        dropped |= gone
        for name in gone:  # what the dropped statements read is read once less
            uses.subtract(defined[name].operands)
    return tuple(s for s in fused_out if getattr(s, "target", None) not in dropped)


def _split_exponents(stmts: list, uses: Counter, namer: Namer) -> list:
    """`e = np.exp(beta * x)` summed for a log or a division, as `exponent = beta * x` and
    `e = np.exp(exponent)`, so that the fused adjoint can take the softmax of a name."""
    sums = {s.target for s in stmts if _is_sum(s)}
    if not sums:
        return stmts
    readers: set[str] = set()  # the sums some statement takes the log of, or divides by
    for s in stmts:
        if isinstance(s, ir.Elementwise) and not sums.isdisjoint(s.operands):
            logged = {f.args[0] for f in s.expr.atoms(sp.log)}
            divisors = _divisors(s.code)
            readers.update(
                name
                for k, name in enumerate(s.operands)
                if name in sums and (symbols.operand(k) in logged or name in divisors)
            )
    summed = {s.operands[0] for s in stmts if _is_sum(s) and s.target in readers}
    out = []
    for s in stmts:
        call = s.code if isinstance(s, ir.Elementwise) else None
        if (
            call is not None
            and s.target in summed
            and isinstance(s.expr, sp.exp)
            and s.expr != EXP
            and isinstance(call, ast.Call)
            and len(call.args) == 1
            and not _max_shifted_expr(s)
        ):
            exponent = namer.fresh("exponent")
            out.append(ir.Elementwise(exponent, s.expr.args[0], s.operands, call.args[0], s.line))
            code = ast.Call(call.func, [ast.Name(exponent, ast.Load())], [])
            s = ir.Elementwise(s.target, EXP, (exponent,), code, s.line)
            uses[exponent] += 1
        out.append(s)
    return out


def _is_sum(s) -> bool:
    return isinstance(s, ir.Primitive) and s.op == "sum"


def _divisors(code: ast.expr) -> set[str]:
    """The names `code` divides by, as `... / name`."""
    return {
        n.right.id
        for n in ast.walk(code)
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div) and isinstance(n.right, ast.Name)
    }


def _max_shifted_expr(s: ir.Elementwise) -> bool:
    """exp(z - m) written in one statement: the operand m may be max(z)."""
    return s.expr == sp.exp(A0 - A1)


def _logsumexp(s, defined, uses, namer: Namer):
    """log(sum(exp(x))), the whole statement or a part of it: (the statements that replace
    s, the names no longer bound)."""
    if not isinstance(s, ir.Elementwise):
        return None
    for k, name in enumerate(s.operands):
        a_k = symbols.operand(k)
        log_k = sp.log(a_k)
        total = _exp_sum(name, defined, uses)
        if total is None or not s.expr.has(log_k):
            continue
        if s.expr == log_k:
            statement, gone = _fused(s, "logsumexp", *total, uses)
            return [statement], gone
        call = _log_call(s.code, name)
        if call is None or s.expr.xreplace({log_k: sp.Dummy()}).has(a_k):
            continue  # the sum is read outside the log too
        # Split: lse = log(sum(exp(x))) first, then s reads lse where it took the log.
        lse = namer.fresh("lse")
        part = ir.Elementwise(lse, log_k, (name,), call, s.line)
        statement, gone = _fused(part, "logsumexp", *total, uses)
        rest = dataclasses.replace(
            s,
            expr=s.expr.xreplace({log_k: a_k}),
            operands=s.operands[:k] + (lse,) + s.operands[k + 1 :],
            code=_replace_node(s.code, call, ast.Name(lse, ast.Load())),
            calls=(),  # (over the old operands)
        )
        uses[lse] += 1
        return [statement, rest], gone
    return None


def _log_call(code: ast.expr, name: str) -> ast.Call | None:
    """The call `np.log(name)` (or math.log) in code, if name is read there."""
    for node in ast.walk(code):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "log"
            and len(node.args) == 1
            and not node.keywords
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id == name
        ):
            return node
    return None


def _replace_node(code: ast.expr, old: ast.AST, new: ast.expr) -> ast.expr:
    class Replace(ast.NodeTransformer):
        def visit(self, node):
            return new if node is old else self.generic_visit(node)

    return Replace().visit(copy.deepcopy(code, {id(old): old}))


def _softmax(s, defined, uses, namer: Namer):
    """p = exp(x) / sum(exp(x)), the numerator as the same name or written again; the whole
    statement, or a quotient within it (`e / np.sum(e) * w`)."""
    if not isinstance(s, ir.Elementwise):
        return None
    if len(s.operands) == 2 and s.expr in (A0 / A1, EXP / A1):
        fused = _whole_softmax(s, defined, uses)
        return None if fused is None else ([fused[0]], fused[1])
    for j, name in enumerate(s.operands):
        quotient = _quotient_of(s, j, defined, uses)
        if quotient is None:
            continue
        node, i, form = quotient
        p = namer.fresh("softmax")
        a_i, a_j = symbols.operand(i), symbols.operand(j)
        numerator = sp.exp(a_i) if form == EXP / A1 else a_i
        rest = _without_unread(
            dataclasses.replace(
                s,
                expr=s.expr.xreplace({a_j: numerator / a_j}),  # sum = numerator / softmax
                operands=s.operands[:j] + (p,) + s.operands[j + 1 :],
                code=_replace_node(s.code, node, ast.Name(p, ast.Load())),
                calls=(),  # (over the old operands)
            )
        )
        # the quotient's numerator: read by the new statement, and by the rest if still
        still_read = s.operands[i] in rest.operands
        uses[s.operands[i]] += still_read
        part = ir.Elementwise(p, form, (s.operands[i], name), node, s.line)
        fused = _whole_softmax(part, defined, uses)
        if fused is None:
            uses[s.operands[i]] -= still_read
            continue
        uses[p] += 1
        return [fused[0], rest], fused[1]
    return None


def _whole_softmax(s, defined, uses):
    numerator, denominator = s.operands
    if s.expr == A0 / A1:  # e = np.exp(x); p = e / np.sum(e)
        exps = defined.get(numerator)
        if not (isinstance(exps, ir.Elementwise) and exps.expr == EXP):
            return None
        x = exps.operands[0]
    else:  # p = np.exp(x) / np.sum(np.exp(x))
        x = numerator
    total = _exp_sum(denominator, defined, uses)
    if total is None:
        return None
    axis, keepdims = (dict(total[0].params).get(k) for k in ("axis", "keepdims"))
    if total[1].operands[0] != x or not (axis is None or keepdims):
        return None  # another array's exponentials, or a sum that does not broadcast back
    return _fused(s, "naive_softmax", *total, uses)


def _quotient_of(s, j: int, defined, uses):
    """(the node `e / total` or `np.exp(x) / total` in s's code, the numerator's operand
    index, its form) where operand j is a sum of exponentials, else None."""
    total = s.operands[j]
    if _exp_sum(total, defined, uses) is None:
        return None
    for node in ast.walk(s.code):
        if not (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Div)
            and isinstance(node.right, ast.Name)
            and node.right.id == total
        ):
            continue
        left = node.left
        if isinstance(left, ast.Name) and left.id in s.operands:
            return node, s.operands.index(left.id), A0 / A1
        if (
            isinstance(left, ast.Call)
            and isinstance(left.func, ast.Attribute)
            and left.func.attr == "exp"
            and len(left.args) == 1
            and isinstance(left.args[0], ast.Name)
            and left.args[0].id in s.operands
        ):
            return node, s.operands.index(left.args[0].id), EXP / A1
    return None


def _without_unread(s: ir.Elementwise) -> ir.Elementwise:
    """s without the operands its expression no longer reads, placeholders renumbered."""
    kept = [i for i in range(len(s.operands)) if s.expr.has(symbols.operand(i))]
    if len(kept) == len(s.operands):
        return s
    renumber = {symbols.operand(i): symbols.operand(k) for k, i in enumerate(kept)}
    operands = tuple(s.operands[i] for i in kept)
    calls = tuple((e.xreplace(renumber), c) for e, c in s.calls)
    return dataclasses.replace(s, expr=s.expr.xreplace(renumber), operands=operands, calls=calls)


def _fused(s, op: str, total, exps, uses):
    """s as the primitive `op` of x, with the sum and (if nothing else reads them) the
    exponentials composed into its code: (the statement, the names no longer bound)."""
    gone = {total.target}
    inline = {}
    if uses[exps.target] == 1 + s.operands.count(exps.target):  # read by this pattern only
        gone.add(exps.target)
        inline[exps.target] = exps.code
    inline[total.target] = _compose(total.code, inline)
    code = _compose(s.code, inline)
    x = exps.operands[0]
    reads = (set(s.operands) | {exps.target}) & ir.names_in(code) - gone - {x}
    statement = ir.Primitive(s.target, op, (x, *sorted(reads)), total.params, code, s.line)
    return statement, gone


def _exp_sum(name, defined, uses):
    """(total, exponentials) if `name` = sum(exp(x)), read once and by nothing else."""
    total = defined.get(name)
    if not (isinstance(total, ir.Primitive) and total.op == "sum" and uses[name] == 1):
        return None
    exps = defined.get(total.operands[0])
    if not (isinstance(exps, ir.Elementwise) and exps.expr == EXP):
        return None
    if _max_shifted(exps.operands[0], defined):
        return None
    return total, exps


def _max_shifted(name: str, defined) -> bool:
    """Is `name` = z - max(z, ...): exponentials that cannot overflow?"""
    s = defined.get(name)
    if not (isinstance(s, ir.Elementwise) and s.expr == A0 - A1):
        return False
    peak = defined.get(s.operands[1])
    return isinstance(peak, ir.Primitive) and peak.op == "max" and peak.operands[0] == s.operands[0]


def _compose(code: ast.expr, inline: dict[str, ast.expr]) -> ast.expr:
    """`code` with the names in `inline` replaced by their defining code."""

    class Inline(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name):
            return copy.deepcopy(inline[node.id]) if node.id in inline else node

    return Inline().visit(copy.deepcopy(code))


def _use_counts(fn: ir.Function) -> Counter:
    """How often each name is read, anywhere in the function."""
    counts: Counter = Counter()
    for s in ir.every_statement(fn.body):
        if isinstance(s, ir.If):
            counts[s.cond] += 1
            counts.update(n for _, a, b in s.outputs for n in (a, b))
        elif isinstance(s, ir.Loop):
            counts.update(s.header_operands)
            counts.update(n for before, _, end in s.carried for n in (before, end))
        else:
            counts.update(s.operands)
    counts[fn.output] += 1
    if fn.aux is not None:
        counts.update(ir.names_in(fn.aux))
    return counts


def _all_names(stmts) -> set[str]:
    """Every name the statements bind or their code reads."""
    out: set[str] = set()
    for s in ir.every_statement(stmts):
        out.update(s.targets if isinstance(s, (ir.If, ir.Loop)) else (s.target,))
        for code in (getattr(s, "code", None), getattr(s, "header", None)):
            if code is not None:
                out |= ir.names_in(code)
        if isinstance(s, ir.Loop) and s.index:
            out.add(s.index)
    return out
