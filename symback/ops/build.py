"""Trees that adjoint rules build, written with Python's operators: `np.sum(c.bar * c.x)`.

An `Expr` wraps an `ast.expr`; arithmetic (`+ - * / @ **`, unary `-`), indexing, attributes
and calls on it build bigger trees, and Python values met on the way (numbers, tuples, None,
slices, `...`) become literals. Comparisons are methods (`x.eq(0)`), so that `==` keeps its
meaning. `np` and the helpers (`helper.unbroadcast`) are the module's names as keys: the
sweep resolves them to the names it allocated (`resolved`), which never collide with the
user's. No text is made here: the printer makes it, once.
"""

from __future__ import annotations

import ast

from .. import code


class ModuleName(ast.Name):
    """A name the generated module binds (numpy, a helper), by its key: resolved later."""


def _operator(op: type[ast.operator]):
    """The methods `x op y` and `y op x` (y a Python value) of a binary operator."""

    def forward(self, other):
        return Expr(ast.BinOp(self.node, op(), tree(other)))

    def reflected(self, other):
        return Expr(ast.BinOp(tree(other), op(), self.node))

    return forward, reflected


class Expr:
    """An expression tree being built (`.node` is the tree)."""

    __slots__ = ("node",)

    def __init__(self, node: ast.expr):
        self.node = node

    __add__, __radd__ = _operator(ast.Add)
    __sub__, __rsub__ = _operator(ast.Sub)
    __mul__, __rmul__ = _operator(ast.Mult)
    __truediv__, __rtruediv__ = _operator(ast.Div)
    __matmul__, __rmatmul__ = _operator(ast.MatMult)
    __pow__ = _operator(ast.Pow)[0]

    def __neg__(self):
        return Expr(ast.UnaryOp(ast.USub(), self.node))

    def eq(self, other) -> Expr:
        """`self == other`, as code."""
        return Expr(ast.Compare(self.node, [ast.Eq()], [tree(other)]))

    def lt(self, other) -> Expr:
        """`self < other`, as code."""
        return Expr(ast.Compare(self.node, [ast.Lt()], [tree(other)]))

    def __getitem__(self, index) -> Expr:
        return Expr(ast.Subscript(self.node, _index(index), ast.Load()))

    def __getattr__(self, attr: str) -> Expr:
        if attr.startswith("__"):  # (copy, pickle and friends probe for these)
            raise AttributeError(attr)
        return Expr(ast.Attribute(self.node, attr, ast.Load()))

    def __call__(self, *args, **keywords) -> Expr:
        kws = [ast.keyword(k, tree(v)) for k, v in keywords.items()]
        return Expr(ast.Call(self.node, [tree(a) for a in args], kws))

    def __iter__(self):  # (indexing would otherwise make it iterable, endlessly)
        raise TypeError("an Expr is code, not a sequence")

    def __bool__(self):  # a rule testing code for truth is a bug: test the Python values
        raise TypeError("an Expr is code: its truth is not known when the rule runs")

    def __repr__(self) -> str:
        return f"Expr({ast.unparse(self.node)})"


def tree(value) -> ast.expr:
    """A builder value as a tree: an Expr's own, or a Python value as a literal."""
    if isinstance(value, Expr):
        return value.node
    if isinstance(value, ast.expr):
        return value
    if isinstance(value, list):
        return ast.List([tree(v) for v in value], ast.Load())
    if isinstance(value, tuple):
        return ast.Tuple([tree(v) for v in value], ast.Load())
    if value is ... or isinstance(value, str):
        return ast.Constant(value)
    return code.literal(value)


def ifexp(test, body, orelse) -> Expr:
    """`body if test else orelse`, as code."""
    return Expr(ast.IfExp(tree(test), tree(body), tree(orelse)))


def _index(index) -> ast.expr:
    """What goes between brackets: slices, `...`, None, and expressions; a tuple of them."""
    if isinstance(index, tuple):
        return ast.Tuple([_part(p) for p in index], ast.Load())
    return _part(index)


def _part(part) -> ast.expr:
    if isinstance(part, slice):
        bounds = (part.start, part.stop, part.step)
        return ast.Slice(*(None if b is None else tree(b) for b in bounds))
    return tree(part)


class _Helpers:
    """`helper.unbroadcast`: the module helper of that key, as a name to call."""

    def __getattr__(self, key: str) -> Expr:
        if key.startswith("__"):
            raise AttributeError(key)
        return Expr(ModuleName(key, ast.Load()))


np = Expr(ModuleName("np", ast.Load()))
helper = _Helpers()


def resolved(node: ast.expr, names: dict[str, str]) -> tuple[ast.expr, set[str]]:
    """The tree with each module name replaced by the name allocated for it, and the keys
    it uses."""
    used: set[str] = set()

    def new(n):
        if isinstance(n, ModuleName):
            used.add(n.id)
            return code.name(names[n.id])
        return None

    return code.rebuilt(node, new), used
