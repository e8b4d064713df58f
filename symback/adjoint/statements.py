"""Adjoints of one statement: `upstream * local derivative`, sent to each operand.

An elementwise statement's derivatives come from SymPy over placeholders (derivatives.py),
built as trees once per statement shape (backend/formulas.py) and filled in here; an array primitive's come
from its rule (ops/arrays.py). Terms whose operand may have been broadcast are summed back
to the operand's shape; terms from reductions are spread back over it.
"""

from __future__ import annotations

import ast
import linecache

from .. import code, ir
from ..backend.formulas import Formula, fill, formula
from ..errors import Place, SymbackError
from ..ops.arrays import PRIMITIVES_BY_OP, UNSUPPORTED, Context
from ..ops.build import Expr, resolved
from ..ops.elementwise import BUILTIN_SPELLING
from .derivatives import local_adjoint
from .shapes import kept_dims, scalars_first, sum_to
from .state import Sweep, Term, held_shape, is_scalar, known
from .sums import close, full


def statement(sweep: Sweep, stmt: ir.Statement) -> None:
    """The adjoint of an elementwise or primitive statement, now that its value's is whole."""
    upstream = close(sweep, stmt.target, sweep.terms.pop(stmt.target), stmt.line)
    if not (isinstance(stmt, ir.Elementwise) and known(sweep, stmt)):
        upstream = full(sweep, upstream, stmt.target)  # what the general rules expect
    if isinstance(stmt, ir.Elementwise):
        # Adjoints have their value's shape, so a number adjoint means a scalar value,
        # whose operands are scalars too: nothing was broadcast there.
        broadcasts = len(stmt.operands) > 1 and not code.is_number(upstream)
        elementwise(sweep, stmt, upstream, broadcasts)
    elif isinstance(stmt, ir.Primitive) and stmt.op == "custom":
        custom(sweep, stmt, upstream)
    elif isinstance(stmt, ir.Primitive):
        primitive(sweep, stmt, upstream)


def elementwise(sweep: Sweep, stmt: ir.Elementwise, upstream: ast.expr, broadcasts: bool) -> None:
    active = tuple(o in sweep.active for o in stmt.operands)
    seeded = code.is_number(upstream) and code.number_value(upstream) == 1.0
    boolean = tuple(o in sweep.fn.boolean for o in stmt.operands)
    scalar = calls_math(sweep, stmt)
    in_math = scalar and not calls_numpy(sweep, stmt)
    is_known = known(sweep, stmt)
    # Inner sums and products are kept for the adjoint to read on numbers only: there one
    # costs as much to keep as to compute, where an array kept alive holds memory.
    numbers = scalar or is_known and sweep.shapes[stmt.target] == ()
    calls = tuple(e if numbers or not (e.is_Add or e.is_Mul) else None for e, _ in stmt.calls)
    reuse = stmt.target not in sweep.fresh
    local = local_adjoint(stmt.expr, active, seeded, boolean, calls, reuse)
    if not local.finite:
        _refuse_at(
            sweep,
            stmt,
            "the derivative of this line holds an infinite constant (np.inf or a literal "
            "such as 1e999, inside arithmetic), whose value symback cannot work out",
            "keep infinities out of the arithmetic: bound with a finite number "
            "(np.minimum(x, 1e300)) or choose with np.where",
        )
    fields: dict = {f"a{i}": name for i, name in enumerate(stmt.operands)}
    fields.update(kept_calls(sweep, stmt, local))
    fields.update(v=stmt.target, bar=upstream, np=sweep.names["np"], math=sweep.names["math"])
    fields["special"] = sweep.names["special"]  # (scipy.special's derivatives: digamma)
    fields["exp_or_inf"] = sweep.names["exp_or_inf"]  # (the sigmoid's: formulas._sigmoid)
    fields.update((b, sweep.names[b]) for b in BUILTIN_SPELLING.values())  # (math spelling's)
    # every value the formulas read is floating: whole numbers printed as floats
    floating = is_known and {stmt.target, *stmt.operands} <= sweep.floating
    scalar_name = lambda name: is_scalar(sweep, name)  # noqa: E731
    for field_name, value, reads in local.temporaries:
        fields[field_name] = sweep.namer.numbered("t")
        rhs = instantiate(sweep, formula(value, scalar, floating, in_math), fields)
        if is_known:
            sweep.held[fields[field_name]] = held_shape(sweep, _read(reads, fields))
            rhs = scalars_first(rhs, scalar_name)
        sweep.lines.append(code.assign(fields[field_name], rhs, stmt.line))
    for c in local.contributions:
        operand = stmt.operands[c.operand]
        expr = instantiate(sweep, formula(c.formula, scalar, floating, in_math), fields)
        if is_known:  # sum back over exactly the axes broadcasting added, or none
            held = held_shape(sweep, _read(c.fields, fields))
            expr = scalars_first(expr, scalar_name)
            target, shape = sweep.shapes[stmt.target], sweep.shapes[operand]
            summed, held = sum_to(expr, held, target, shape, sweep.names["np"])
            term = Term(summed, c.is_sum and summed is expr, actual=held)
        else:  # operands of different shapes may have met
            term = Term(expr, c.is_sum, "unbroadcast" if broadcasts else "")
        sweep.add(operand, term)


def kept_calls(sweep: Sweep, stmt: ir.Elementwise, local) -> dict[str, str]:
    """Names for the inner calls the adjoint reads: the forward pass computes each once
    (forward.forward_lines puts it before the statement, as the user wrote it)."""
    read = set().union(*(c.fields for c in local.contributions))
    read |= set().union(*(fields for _, _, fields in local.temporaries))
    out = {}
    for i, (_, call) in enumerate(stmt.calls):
        if f"c{i}" not in read:
            continue
        written = call  # as the forward pass writes it: earlier kept values by name
        for earlier, inner, _ in sweep.kept.get(id(stmt), ()):
            written = code.replaced(written, inner, code.name(earlier))
        key = (sweep.block_id, code.structure(call))
        later = sweep.kept_in_block.get(key)
        if later is not None:  # a later statement computes it: computed here instead
            name, holder = later
            sweep.kept[holder] = [(n, c, here and n != name) for n, c, here in sweep.kept[holder]]
        else:
            name = _call_name(sweep, written)
        out[f"c{i}"] = name
        sweep.kept.setdefault(id(stmt), []).append((name, call, True))
        sweep.kept_in_block[key] = (name, id(stmt))
        if known(sweep, stmt):  # elementwise: its operands' shapes broadcast
            reads = code.names_in(call)
            sweep.held[name] = held_shape(sweep, reads & set(stmt.operands))
    return out


def _call_name(sweep: Sweep, call: ast.expr) -> str:
    """`sin_t1` for `math.sin(t1)`, a numbered temporary for anything longer."""
    func, args = getattr(call, "func", None), getattr(call, "args", ())
    if isinstance(func, ast.Attribute) and len(args) == 1 and isinstance(args[0], ast.Name):
        return sweep.namer.fresh(f"{func.attr}_{args[0].id}")
    return sweep.namer.numbered("t")


def calls_math(sweep: Sweep, stmt: ir.Elementwise) -> bool:
    """Does the statement use `math` (so its values are Python floats, or NumPy's functions
    of arrays beside math's constants and functions of numbers: see calls_numpy)?"""
    math_name = sweep.names["math"]
    return any(
        isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == math_name
        for n in ast.walk(stmt.code)
    )


def calls_numpy(sweep: Sweep, stmt: ir.Elementwise) -> bool:
    """Does the statement call a NumPy function (`np.sin(x) * math.pi`: x may be an array,
    so its derivatives keep NumPy's spelling, which takes numbers too)?"""
    np_name = sweep.names["np"]
    return any(
        isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and isinstance(n.func.value, ast.Name)
        and n.func.value.id == np_name
        for n in ast.walk(stmt.code)
    )


def instantiate(sweep: Sweep, built: Formula, fields: dict) -> ast.expr:
    """A derivative for this statement: its formula's placeholders replaced by the
    statement's own names and upstream adjoint."""
    if "exp_or_inf" in built.placeholders:
        sweep.helpers.add("exp_or_inf")
    return fill(built, fields)


def _read(reads: frozenset[str], fields: dict) -> list:
    """The names and bare adjoints a formula reads through these fields (for its shape)."""
    out = []
    for f in reads:
        value = fields.get(f)
        if isinstance(value, str) and value.isidentifier() or isinstance(value, ast.expr):
            out.append(value)
    return out


def primitive(sweep: Sweep, stmt: ir.Primitive, upstream: ast.expr) -> None:
    row = PRIMITIVES_BY_OP[stmt.op]
    params = rule_params(stmt.params)
    arrays = row.array_operands(stmt.operands, params)
    is_known = known(sweep, stmt)
    shapes = tuple(sweep.shapes[a] for a in arrays) if is_known else None
    operands = tuple(Expr(code.name(a)) for a in arrays)
    context = Context(Expr(upstream), operands, Expr(code.name(stmt.target)), params, shapes)
    for operand, contribution in zip(arrays, row.adjoint(context)):
        if contribution is None or operand not in sweep.active:
            continue
        if contribution is UNSUPPORTED:
            _refuse(sweep, stmt, operand)
        value, used = resolved(contribution.value, sweep.names)
        sweep.helpers.update(used - {"np"})
        wrap = "spread" if contribution.spread else ""
        held = None
        if wrap and row.spread_by_broadcasting and is_known:
            wrap = ""  # held reduced: broadcasting spreads it
            axis = params.get("axis")
            reduced = axis is not None or params.get("keepdims")
            held = kept_dims(sweep.shapes[operand], axis) if reduced else ()
        term = Term(
            value,
            wrap=wrap,
            scatter=_resolved_all(contribution.scatter, sweep.names),
            actual=held,
            outer=_resolved_all(contribution.outer, sweep.names),
            view=contribution.view,
        )
        sweep.add(operand, term)


def rule_params(params) -> dict:
    """A primitive's static arguments as its adjoint rule reads them: the index (as
    `np.s_[...]`) and the pass-through code as Exprs to build on."""
    out = dict(params)
    if "index" in out:
        out["index"] = Expr(out["index"])
    if "extra" in out:
        out["extra"] = tuple(Expr(c) for c in out["extra"])
    return out


def _resolved_all(parts, names) -> tuple | None:
    """A rule's scatter or outer parts, with the module's names resolved."""
    if parts is None:
        return None
    return tuple(p if p is None else resolved(p, names)[0] for p in parts)


def _spelled(stmt: ir.Primitive) -> str:
    """The operation as the user wrote it (np.linalg.norm), where it has a record."""
    row = PRIMITIVES_BY_OP.get(stmt.op)
    return stmt.op if row is None else row.spelled


def _refuse(sweep: Sweep, stmt: ir.Primitive, operand: str):
    _refuse_at(
        sweep,
        stmt,
        f"symback cannot yet differentiate `{_spelled(stmt)}` with respect to `{operand}`",
        "docs/supported.md lists what is supported; write it with those "
        "operations (np.prod over one axis at a time, for example)",
    )


def _refuse_at(sweep: Sweep, stmt: ir.Statement, message: str, hint: str):
    line = linecache.getline(sweep.fn.filename, stmt.line)
    column = len(line) - len(line.lstrip())
    place = Place(sweep.fn.filename, stmt.line, column, line, len(line.rstrip()))
    raise SymbackError(message, place, hint=hint)


def custom(sweep: Sweep, stmt: ir.Primitive, upstream: ast.expr) -> None:
    """A defgrad function: its i-th adjoint, called with the upstream and the arguments."""
    args = [code.name(o) for o in stmt.operands]
    for operand, adjoint in zip(stmt.operands, dict(stmt.params)["adjoints"]):
        if operand in sweep.active:
            sweep.add(operand, Term(code.call(adjoint, upstream, *args), wrap="unbroadcast"))
