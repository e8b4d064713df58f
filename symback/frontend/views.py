"""Views and element writes in SSA: a view read after a write into its base is the view
taken again from the written base, and a write through a slice of a base writes the base.

`z = np.flip(y)` makes z a view of y: after `y[0] = v` (y's new SSA name y_1), Python's z
holds the new elements, so lowering binds z to `np.flip(y_1)`, the same operation taken again
(the same values, bit for bit, as the user's z). `z = y[1:]` then `z[0] = v` changes y: y's
new SSA name is `y[1:] = z_1` written into y (the elements are already there; the write's
adjoint is what matters). Which results are views, and how a write reaches the base, is in
each operation's record (ops/views.py); what may be a copy (np.reshape, x[0]) is left stale,
and frontend/stale.py refuses a read of it.
"""

from __future__ import annotations

import ast
import copy
import dataclasses

from .. import ir
from ..ops.arrays import PRIMITIVES_BY_OP
from ..ops.views import THROUGH_INDEX, is_always_view
from .core import copy_value
from .state import Lowering


@dataclasses.dataclass(frozen=True)
class ViewOf:
    """`name` is `prim` of its base (prim's operand `base`): always a view (`sure`), or a
    view or a copy depending on the shapes (np.reshape, x[0])."""

    prim: ir.Primitive
    base: int
    sure: bool

    @property
    def parent(self) -> str:
        return self.prim.operands[self.base]

    def on(self, parent: str, target: str) -> ir.Primitive:
        """The same operation taken of `parent` instead, bound to `target`."""
        old = self.parent
        operands = tuple(parent if o == old else o for o in self.prim.operands)
        params = tuple((k, _renamed(v, old, parent)) for k, v in self.prim.params)
        code = _renamed(self.prim.code, old, parent)
        return dataclasses.replace(
            self.prim, target=target, operands=operands, params=params, code=code
        )

    def same_operation(self, other: ViewOf) -> bool:
        """The same operation with the same arguments, of whatever base."""
        mine, theirs = self.on("<base>", "<v>"), other.on("<base>", "<v>")
        return (mine.op, mine.operands, _dumped(mine.params)) == (
            theirs.op,
            theirs.operands,
            _dumped(theirs.params),
        )


def _renamed(value, old: str, new: str):
    """`value` (code, or params holding code) reading `new` where it read `old`."""
    if isinstance(value, ast.AST):
        value = copy.deepcopy(value)
        for node in ast.walk(value):
            if isinstance(node, ast.Name) and node.id == old:
                node.id = new
        return value
    if isinstance(value, tuple):
        return tuple(_renamed(v, old, new) for v in value)
    return value


def _dumped(params) -> tuple:
    def dump(v):
        if isinstance(v, ast.AST):
            return ast.dump(v)
        return tuple(dump(x) for x in v) if isinstance(v, tuple) else v

    return tuple((k, dump(v)) for k, v in params)


def record(st: Lowering, prim: ir.Primitive) -> None:
    """Note what the record of `prim` says about its result being a view of its operand."""
    row = PRIMITIVES_BY_OP.get(prim.op)
    if row is None or row.view is None:
        return
    if any(o in st.boolean for o in prim.operands[1:]):  # y[mask]: a copy
        return
    st.view_defs[prim.target] = ViewOf(prim, row.view, is_always_view(row, dict(prim.params)))


def after_write(st: Lowering, write: ir.Write) -> None:
    """After `write` (already in the body, its array's user name bound to the new value):
    write the bases it writes through, then bind every name of a view of the written
    memory to the view taken again."""
    old, new = write.array, write.target
    before: dict[str, str] = {}  # a written value's new name -> its old one
    while True:
        before[new] = old
        view = st.view_defs.get(old)
        if view is None or PRIMITIVES_BY_OP[view.prim.op].through != THROUGH_INDEX:
            break
        # written into, it is an array: a view (x[0] of a 2-D x; x[0] of a vector is a
        # number, and writing into it fails when the function runs)
        st.view_defs[old] = dataclasses.replace(view, sure=True)
        base = view.parent
        holders = sorted(u for u, v in st.env.items() if v == base)
        base_new = st.new_version_name(holders[0]) if holders else st.temp()
        index = copy.deepcopy(dict(view.prim.params)["subscript"])
        others = tuple(o for o in view.prim.operands if o != base)
        through = ir.Write(base_new, base, new, others, index, "=", st.line, write.place, True)
        st.body.append(through)
        old, new = base, base_new
    made = {old: new}
    for user, ssa in list(st.env.items()):
        again = _taken_again(st, before.get(ssa, ssa), made, user)
        if again is not None:
            st.bind(user, again)


def _taken_again(st: Lowering, ssa: str, made: dict[str, str], user: str | None) -> str | None:
    """`ssa` taken again from the written memory: None if it is not a sure view of it."""
    if ssa in made:
        return made[ssa]
    view = st.view_defs.get(ssa)
    if view is None:
        return None
    parent = _taken_again(st, view.parent, made, None)
    if parent is None:
        return None
    name = st.new_version_name(user) if user is not None else st.temp()
    if view.sure:
        prim = view.on(parent, name)
        st.body.append(dataclasses.replace(prim, line=st.line))
        st.view_defs[name] = ViewOf(prim, view.base, True)
    else:
        _view_or_copy(st, view, ssa, parent, name)
    st.views[name] = {parent}
    made[ssa] = name
    return name


def _view_or_copy(st: Lowering, view: ViewOf, old: str, parent: str, name: str) -> None:
    """`name` is `old` taken again from the written `parent` if `old` was a view, else `old`
    (a copy, which the write left alone): np.reshape is a view or a copy by the strides,
    x[0] by x.ndim, and the same operation on the written array (the same shape and
    strides) tells which, when the function runs."""
    again = st.temp()
    prim = view.on(parent, again)
    st.body.append(dataclasses.replace(prim, line=st.line))
    test = st.namer.fresh("is_view")
    np_shares = ast.Attribute(ast.Name(st.modules.np, ast.Load()), "may_share_memory")
    code = ast.Call(np_shares, [ast.Name(again, ast.Load()), ast.Name(parent, ast.Load())], [])
    st.body.append(ir.Opaque(test, (again, parent), code, st.line))
    st.boolean.add(test)
    then = (copy_value(st, name, again, st.line),)
    orelse = (copy_value(st, name, old, st.line),)
    st.body.append(ir.If(test, then, orelse, ((name, again, old),), st.line, unshared=(old,)))
    st.view_defs[name] = ViewOf(view.on(parent, name), view.base, False)


def whole(st: Lowering, base: str, target: str) -> ir.Primitive:
    """`target = base[...]`: a view of all of base, which another name for it is."""
    everything = ast.Constant(Ellipsis)
    np_s = ast.Attribute(ast.Name(st.modules.np, ast.Load()), "s_", ast.Load())
    params = (("index", ast.Subscript(np_s, everything, ast.Load())), ("subscript", everything))
    code = ast.Subscript(ast.Name(base, ast.Load()), copy.deepcopy(everything), ast.Load())
    return ir.Primitive(target, "getitem", (base,), params, code, st.line)


def merged(st: Lowering, outputs) -> None:
    """After an `if`: a merged value whose branch values are the same view of their bases
    is that view of the merged base. `outputs`: (merged, then value, else value)."""
    merges = {}
    for m, a, b in outputs:
        if (a, b) in merges:  # another name for the same array in both branches
            st.view_defs[m] = ViewOf(whole(st, merges[a, b], m), 0, True)
        merges.setdefault((a, b), m)
    for m, a, b in outputs:
        va, vb = st.view_defs.get(a), st.view_defs.get(b)
        if va is None or vb is None or not va.same_operation(vb):
            continue
        parent = va.parent if va.parent == vb.parent else merges.get((va.parent, vb.parent))
        if parent is not None:
            st.view_defs[m] = ViewOf(va.on(parent, m), va.base, va.sure and vb.sure)


def entering_loop(st: Lowering, before, entries, stored, refused) -> dict[str, ViewOf]:
    """At a loop's start: a carried name that holds a view of a carried base, neither of
    them assigned in the body (only written into), is that view of the base's entry value
    on every iteration (what `left_loop` checks at the end). Names in `refused` are not."""
    assumed = {}
    for n, entry in entries.items():
        same = [m for m in entries if before[m] == before[n] and m not in stored]
        if n not in stored and n not in refused and same and same[0] != n:  # another name
            assumed[n] = st.view_defs[entry] = ViewOf(whole(st, entries[same[0]], entry), 0, True)
            continue
        view = st.view_defs.get(before[n])
        if view is None or n in stored or n in refused:
            continue
        holders = [m for m in entries if before[m] == view.parent]
        if holders and holders[0] in stored:
            continue
        parent = entries[holders[0]] if holders else view.parent
        assumed[n] = st.view_defs[entry] = ViewOf(view.on(parent, entry), view.base, view.sure)
    return assumed


def left_loop(st: Lowering, assumed: dict[str, ViewOf], entries, ends) -> set[str]:
    """The names whose view `entering_loop` assumed and the body did not keep."""
    entry_names = {v: n for n, v in entries.items()}
    broken = set()
    for n, view in assumed.items():
        holder = entry_names.get(view.parent)
        parent_end = ends.get(holder) if holder else view.parent
        end = st.view_defs.get(ends.get(n))
        kept = ends.get(n) == entries[n] and parent_end == view.parent
        if not kept and not (end and end.same_operation(view) and end.parent == parent_end):
            broken.add(n)
    return broken


def related(st: Lowering, written: list[str]) -> list[str]:
    """The `written` names and the names a write into one of them may rebind: views of
    their values, and the bases a write through one reaches (to a fixed point)."""
    names = set(written)
    while True:
        values = {st.env[n] for n in names if n in st.env}
        more = set()
        for n, v in st.env.items():
            view = st.view_defs.get(v)
            if n in names or view is None:
                continue
            if view.parent in values:  # a view of one
                more.add(n)
        for v in values:
            view = st.view_defs.get(v)
            if view is not None and PRIMITIVES_BY_OP[view.prim.op].through == THROUGH_INDEX:
                more |= {n for n, w in st.env.items() if w == view.parent}
        more |= {n for n, v in st.env.items() if v in values}  # another name for one
        if more <= names:
            return sorted(names)
        names |= more


def is_array(st: Lowering, name: str) -> bool:
    """Is `name` surely an array (so that `name += v` writes into it)? A sure view is, so
    is a name the function writes elements of, and what a slice was taken of (y[1:] of a
    number fails)."""
    value = st.env[name]
    view = st.view_defs.get(value)
    sliced = any(
        v.sure and v.prim.op == "getitem" and v.parent == value for v in st.view_defs.values()
    )
    return name in st.written or sliced or (view is not None and view.sure)


def same_memory(st: Lowering, ssa: str) -> set[str]:
    """The SSA values that may be the same array as `ssa` (views, min/max results)."""
    group, todo = {ssa}, [ssa]
    while todo:
        current = todo.pop()
        linked = st.views.get(current, set()) | {
            v for v, bases in st.views.items() if current in bases
        }
        for other in linked - group:
            group.add(other)
            todo.append(other)
    return group


def read_after(st: Lowering, name: str, stmt: ast.stmt) -> bool:
    """Might `name` be read after `stmt` runs (later lines, or the next iteration)?"""
    last = st.last_read.get(name)
    return last is not None and (last > stmt.end_lineno or st.loop_depth > 0)


def taken_again(st: Lowering, ssa: str) -> set[str]:
    """`ssa` and the values linked to it by views (up to their bases, down to their views),
    which views.after_write takes again from the written memory."""
    group, todo = {ssa}, [ssa]
    while todo:
        current = todo.pop()
        view = st.view_defs.get(current)
        linked = {view.parent} if view is not None else set()
        linked |= {v for v, d in st.view_defs.items() if d.parent == current}
        todo += linked - group
        group |= linked
    return group
