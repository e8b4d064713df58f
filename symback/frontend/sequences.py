"""Lowering of sequences written in the function: lists of values used as arrays, builtin
`sum`, comprehensions and generator expressions, and tuple unpacking.

A list of values is the array NumPy makes of it (`np.sum([x, y])`, `np.array([1, a * a])`):
a stack of its items, one array primitive. Python's operators on such a list mean something
else (`2 * [x, y]` repeats it) and are refused (expressions.py). `sum(...)` is Python's
`start + e0 + e1 + ...`, in that order: written out for a list or tuple, a loop for a
comprehension or generator (`sum(x[i] ** 2 for i in range(n))`). A comprehension given to
NumPy (`np.sum([f(v) for v in a])`) is unrolled where its length is known from the code.
"""

from __future__ import annotations

import ast
import builtins
import copy
from dataclasses import replace

import numpy

from .. import ir
from ..ops import symbols
from . import arrays, core, outside
from .core import handler
from .state import Lowering
from .values import Operands

# NumPy's functions making an array of their argument: a copy (np.array) or the array itself
ARRAY_MAKERS = ("numpy.array", "numpy.asarray", "numpy.asanyarray", "numpy.asarray_chkfinite")
_SPECIAL = {id(getattr(numpy, q.split(".")[1])): q for q in ARRAY_MAKERS}
_SPECIAL[id(builtins.sum)] = "builtins.sum"
COMPREHENSIONS = (ast.ListComp, ast.GeneratorExp)


def list_value(st: Lowering, node: ast.List | ast.Tuple, operands, target, func=None, kw=()):
    """`[a, b, c]` as an array: np.stack of its items along a new first axis, which is the
    array np.array makes of them (the same numbers, the same shape, or the same error)."""
    items = [core.value_to_name(st, item) for item in node.elts]
    listed = ast.List([ast.Name(n, ast.Load()) for n in items], ast.Load())
    code = ast.Call(func or outside.module_attr(st, "numpy.array"), [listed], list(kw))
    params = (("count", len(items)),)
    name = target or st.temp()
    val = arrays.emit_primitive(st, "stack", items, params, code, name, operands)
    if func is None:  # a list itself: Python's operators on it are refused (expressions.py)
        st.lists.add(name)
        return replace(val, sequence=True)
    return val


def special(resolved) -> str | None:
    """The name of a function lowered here (np.array, sum), if `resolved` is one."""
    if resolved is None or resolved.kind not in ("function", "unknown"):
        return None
    return _SPECIAL.get(id(resolved.value)) if resolved.value is not None else None


@handler
def value_Tuple(st: Lowering, node: ast.Tuple, operands, target):
    """A tuple of values where an array is read (`np.sum((x, y))`): as a list of them."""
    if not node.elts:
        st.fail(node, "an empty tuple has no value to differentiate", None)
    return list_value(st, node, operands, target)


@handler
def value_ListComp(st: Lowering, node: ast.ListComp, operands, target):
    return list_value(st, unrolled(st, node), operands, target)


@handler
def value_GeneratorExp(st: Lowering, node: ast.GeneratorExp, operands, target):
    return list_value(st, unrolled(st, node), operands, target)


def array_call(st: Lowering, node: ast.Call, qualname: str, operands, target):
    """np.array(...) / np.asarray(...): of a list written out, its stacked items; of a
    comprehension, the same unrolled; of anything else, the same value (a copy made by
    np.array; np.asarray's result is the array itself, a 0-d array of a number)."""
    if len(node.args) != 1:
        st.fail(node, f"{ast.unparse(node.func)} takes one argument here", None)
    keywords = []
    for k in node.keywords:
        dtype = outside.dtype_code(st, k.value) if k.arg == "dtype" else None
        if dtype is None or not _floating(st, k.value):
            st.fail(
                k,
                f"{ast.unparse(node.func)} with `{k.arg}=` is not supported",
                "leave it out, or write dtype=float",
            )
        keywords.append(ast.keyword("dtype", dtype))
    arg = unrolled(st, node.args[0])
    func = outside.module_attr(st, qualname)
    if isinstance(arg, (ast.List, ast.Tuple)):
        return list_value(st, arg, operands, target, func, keywords)
    name = core.value_to_name(st, arg)
    code = ast.Call(func, [ast.Name(name, ast.Load())], keywords)
    made = target or st.temp()
    st.body.append(ir.Elementwise(made, symbols.operand(0), (name,), code, st.line))
    if qualname != "numpy.array" and not keywords:  # np.asarray(x) is x itself, an array
        st.views[made] = {name}
    return core.operand(st, made, operands)


def _floating(st: Lowering, node: ast.expr) -> bool:
    resolved = st.namespace.chain(node)
    value = resolved.value if resolved is not None else None
    return value is float or getattr(value, "__name__", "") == "float64"


def unrolled(st: Lowering, node: ast.expr) -> ast.expr:
    """A comprehension as the list it makes, where its length is known from the code (a
    range of numbers, a list or tuple written out); any other node as it is."""
    if not isinstance(node, COMPREHENSIONS):
        return node
    generator = _single_generator(st, node)
    values = _static_items(generator.iter)
    if values is None:
        what = "a list comprehension" if isinstance(node, ast.ListComp) else "a generator"
        st.fail(
            node,
            f"{what} given to NumPy, over a sequence whose length symback cannot know "
            "before the function runs",
            "sum it with Python's sum(...), write a loop, or use array operations",
        )
    if not isinstance(generator.target, ast.Name) or generator.ifs:
        st.fail(node, "a comprehension given to NumPy with an `if` or several names", None)
    items = [_substituted(node.elt, generator.target.id, v) for v in values]
    return ast.copy_location(ast.List(items, ast.Load()), node)


def _single_generator(st: Lowering, node) -> ast.comprehension:
    if len(node.generators) != 1 or node.generators[0].is_async:
        st.fail(node, "a comprehension with more than one `for`", "nest two loops instead")
    return node.generators[0]


def _static_items(node: ast.expr) -> list[ast.expr] | None:
    """The items a `for` runs over, where the code alone says them: range(literals), a
    list or tuple display."""
    if isinstance(node, (ast.List, ast.Tuple)):
        return list(node.elts)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "range"
        and not node.keywords
        and all(isinstance(a, ast.Constant) and type(a.value) is int for a in node.args)
        and 1 <= len(node.args) <= 3
    ):
        bounds = range(*[a.value for a in node.args])
        if len(bounds) <= 1000:
            return [ast.Constant(i) for i in bounds]
    return None


def _substituted(elt: ast.expr, name: str, value: ast.expr) -> ast.expr:
    """`elt` with the comprehension's variable `name` replaced by `value`."""

    class Replace(ast.NodeTransformer):
        def visit_Name(self, n: ast.Name):
            if n.id == name and isinstance(n.ctx, ast.Load):
                return ast.copy_location(copy.deepcopy(value), n)
            return n

    return Replace().visit(copy.deepcopy(elt))


def builtin_sum(st: Lowering, node: ast.Call, operands, target):
    """Python's sum: `start + e0 + e1 + ...`, left to right (start 0 unless given)."""
    if not 1 <= len(node.args) <= 2 or node.keywords and node.keywords[0].arg != "start":
        st.fail(node, "sum takes an iterable and a start here", None)
    start = node.args[1] if len(node.args) == 2 else None
    start = start or (node.keywords[0].value if node.keywords else ast.Constant(0))
    items = node.args[0]
    if not isinstance(items, (ast.List, ast.Tuple, *COMPREHENSIONS)):  # sum(x): of its items
        variable = st.namer.fresh("item")
        st.user_names.add(variable)
        loaded, stored = ast.Name(variable, ast.Load()), ast.Name(variable, ast.Store())
        generator = ast.comprehension(stored, items, [], 0)
        items = ast.copy_location(ast.GeneratorExp(loaded, [generator]), items)
    if isinstance(items, COMPREHENSIONS):
        return _summed_loop(st, node, items, start, operands, target)
    total = start
    for item in items.elts:
        total = ast.copy_location(ast.BinOp(total, ast.Add(), item), item)
    return core.value(st, total, operands, target)


def _summed_loop(st: Lowering, node: ast.Call, comp, start, operands, target):
    """sum(e for v in it if c) as `acc = start; for v in it: if c: acc = acc + e`, lowered
    as the loop it is; the comprehension's names are its own, as in Python."""
    generator = _single_generator(st, comp)
    acc = st.namer.fresh("total")
    st.user_names.add(acc)
    update = ast.Assign(
        [ast.Name(acc, ast.Store())],
        ast.BinOp(ast.Name(acc, ast.Load()), ast.Add(), comp.elt),
    )
    body: list[ast.stmt] = [update]
    for test in reversed(generator.ifs):
        body = [ast.If(test, body, [])]
    loop = ast.For(generator.target, generator.iter, body, [], None)
    statements = [ast.Assign([ast.Name(acc, ast.Store())], start), loop]
    for s in statements:
        for n in ast.walk(s):
            ast.copy_location(n, comp)
    own = {n.id for n in ast.walk(generator.target) if isinstance(n, ast.Name)}
    saved = {name: st.env[name] for name in own if name in st.env}
    core.run(st, statements)
    for name in own:  # the comprehension's variables do not leak out of it
        st.env.pop(name, None)
    st.env.update(saved)
    return core.operand(st, st.env.pop(acc), operands)


def unpack(st: Lowering, targets: ast.Tuple | ast.List, value: str) -> list[tuple]:
    """`a, b = v` of a value that is not a tuple written out (an array, a tuple a call
    returns, a constant): each name gets v[i]. (name node, SSA name) pairs, nested."""
    count = len(targets.elts)
    # Python refuses to unpack another number of items (ValueError): so does the forward
    # pass, before any item is taken (else `a, b = x` of three items takes two, silently)
    length = ast.Call(st.modules.builtin("len"), [ast.Name(value, ast.Load())], [])
    same = ast.Compare(length, [ast.Eq()], [ast.Constant(count)])
    message = ast.Constant(f"{count} names to unpack: the value must have {count} items")
    st.body.append(ir.Opaque(st.temp(), (value,), same, st.line, asserted=True, message=message))
    out = []
    for i, t in enumerate(targets.elts):
        if isinstance(t, ast.Starred):
            st.fail(t, "starred unpacking is not supported", "index the items: a = v[0]")
        item = index(st, value, i)
        if isinstance(t, (ast.Tuple, ast.List)):
            out += unpack(st, t, item)
        else:
            out.append((t, item))
    return out


def index(st: Lowering, array: str, i: int) -> str:
    """`array[i]` as a statement of its own (a basic index)."""
    np_index = ast.Subscript(
        ast.Attribute(ast.Name(st.modules.np, ast.Load()), "s_", ast.Load()),
        ast.Constant(i),
        ast.Load(),
    )
    params = (("index", np_index), ("subscript", ast.Constant(i)))
    code = ast.Subscript(ast.Name(array, ast.Load()), ast.Constant(i), ast.Load())
    name = st.temp()
    arrays.emit_primitive(st, "getitem", (array,), params, code, name, Operands())
    return name
