"""Parameter trees in the source: what an expression of a tree parameter denotes.

A call's tree has a structure (symback/trees.py); its leaves become parameters of their own,
named after their paths (`params_W1`, `layers_0_1`). A view is what an expression means:
a leaf (`params["W1"]`), a part of the tree (`layers[0]`, `params.items()`, `zip(a, b)`), or
a number (`len(layers)`, an index from `enumerate`). frontend/trees.py rewrites the function
with them.
"""

from __future__ import annotations

import ast
import operator
import re
from dataclasses import dataclass

import numpy

from ..errors import UnsupportedSyntaxError

LEAF = "leaf"  # the structure of a value that is not a dict, list or tuple
_COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne}


@dataclass(frozen=True)
class Leaf:
    name: str


@dataclass(frozen=True)
class Const:
    value: object


@dataclass(frozen=True)
class Node:
    kind: object  # "dict", "list", "tuple" or a NamedTuple class
    keys: tuple
    children: tuple


def leaf_names(fdef: ast.FunctionDef, trees: tuple) -> dict[str, tuple[str, ...]]:
    """Each tree parameter's leaf parameter names, depth first: `params_W1`, `layers_0_1`."""
    taken = {n.id for n in ast.walk(fdef) if isinstance(n, ast.Name)}
    taken |= {a.arg for a in fdef.args.args + fdef.args.kwonlyargs}
    out = {}
    for param, structure in trees:
        names = []
        for path in _paths(structure, ()):
            name = "_".join([param, *(_part(k) for k in path)]) if path else f"{param}_leaf"
            while name in taken:
                name += "_"
            taken.add(name)
            names.append(name)
        out[param] = tuple(names)
    return out


def _paths(structure, prefix):
    if structure == LEAF:
        yield prefix
        return
    for key, child in zip(structure[1], structure[2]):
        yield from _paths(child, prefix + (key,))


def _part(key) -> str:
    text = re.sub(r"\W", "_", str(key))
    return text if text.isascii() else "k"


def view_of(structure, names, position=0):
    """The tree of views for a structure whose leaves are named `names[position:]`."""
    if structure == LEAF:
        return Leaf(names[position]), position + 1
    kind, keys, children = structure
    views = []
    for child in children:
        view, position = view_of(child, names, position)
        views.append(view)
    return Node(kind, keys, tuple(views)), position


def view_structure(view):
    """The structure (symback/trees.py) of a view, and its leaves' names, depth first."""
    if isinstance(view, Leaf):
        return LEAF, [view.name]
    if isinstance(view, Const):
        return None, []
    parts = [view_structure(child) for child in view.children]
    if any(structure is None for structure, _ in parts):
        return None, []
    structure = (view.kind, view.keys, tuple(structure for structure, _ in parts))
    return structure, [name for _, names in parts for name in names]


def tree_like_use(fdef: ast.FunctionDef, params, strong: bool = True) -> ast.AST | None:
    """Where the function first reads one of `params` as only a tree is read (`p["W1"]`,
    `p.W1`, `p.items()`), or, with strong=False, as a tree may be (`a, b = p`, `for W, b in
    p`): its code makes sense only once a call shows the tree's structure. Names taken
    from a parameter (`for layer in layers:`, `layer = layers[0]`) count as it does."""
    params = _taken_from(fdef, set(params))
    found = [node for node in ast.walk(fdef) if _reads_as_tree(node, params, strong)]
    return min(found, key=lambda n: (n.lineno, n.col_offset), default=None)


def _taken_from(fdef: ast.FunctionDef, names: set[str]) -> set[str]:
    """`names` and the names bound to items of them, by loops and assignments."""
    taken: list[tuple[str, list]] = []  # (a name, the targets bound to items of it)
    for node in ast.walk(fdef):
        if isinstance(node, ast.For):
            source, targets = node.iter, [node.target]
            if isinstance(source, ast.Call) and source.args:
                source = source.args[-1]
        elif isinstance(node, ast.Assign):
            source, targets = node.value, node.targets
        else:
            continue
        if isinstance(source, ast.Subscript):
            source = source.value
        if isinstance(source, ast.Name):
            taken.append((source.id, targets))
    while True:
        more = set(names)
        for source, targets in taken:
            if source in names:
                more |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        if more == names:
            return names
        names = more


def _reads_as_tree(node, params, strong: bool) -> bool:
    def named(node):
        return isinstance(node, ast.Name) and node.id in params

    if isinstance(node, ast.Subscript) and named(node.value):
        return isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str)
    if isinstance(node, ast.Attribute) and named(node.value):
        return not hasattr(numpy.ndarray, node.attr)  # (`layer.W`, not `x.T` or `x.sum`)
    if strong:
        return False
    if isinstance(node, ast.Assign) and named(node.value):
        return any(isinstance(t, (ast.Tuple, ast.List)) for t in node.targets)
    if isinstance(node, ast.For) and isinstance(node.target, (ast.Tuple, ast.List)):
        it = node.iter  # `for W, b in layers:`, `for i, (W, b) in enumerate(layers):`
        if isinstance(it, ast.Call) and it.args:
            it = it.args[-1]
        return named(it)
    return False


class Reader:
    """What expressions denote, given `env`: the names bound to views of trees or numbers."""

    def __init__(self, source):
        self.source = source

    def fail(self, node, message, hint=None):
        raise UnsupportedSyntaxError(message, self.source.place(node), hint=hint)

    def value(self, node, env):
        """The view `node` denotes, if it is a tree, part of one, or a constant from one."""
        if isinstance(node, ast.Name) and not stored(node):
            return env.get(node.id)
        if isinstance(node, ast.Subscript) and not stored(node):
            base = self.value(node.value, env)
            if not isinstance(base, Node):
                return None
            return self.item(base, node, env)
        if isinstance(node, ast.Attribute):
            base = self.value(node.value, env)
            if isinstance(base, Node) and not isinstance(base.kind, str):
                if node.attr in base.keys:
                    return base.children[base.keys.index(node.attr)]
                self.fail(
                    node,
                    f"{base.kind.__name__} has no field {node.attr!r}",
                    f"its fields are {', '.join(base.keys)}",
                )
            return None
        if isinstance(node, ast.Call):
            return self.call(node, env)
        if isinstance(node, (ast.List, ast.Tuple)) and node.elts and not stored(node):
            parts = [self.value(e, env) for e in node.elts]  # `[params["W1"], params["W2"]]`
            if all(isinstance(p, (Leaf, Node)) for p in parts):
                kind = "list" if isinstance(node, ast.List) else "tuple"
                return Node(kind, tuple(range(len(parts))), tuple(parts))
            return None
        if isinstance(node, ast.Compare) and len(node.ops) == 1:  # `if key == "W":`
            sides = [
                Const(n.value) if isinstance(n, ast.Constant) else self.value(n, env)
                for n in (node.left, node.comparators[0])
            ]
            if all(isinstance(v, Const) for v in sides) and type(node.ops[0]) in _COMPARE:
                return Const(_COMPARE[type(node.ops[0])](sides[0].value, sides[1].value))
        return None

    def item(self, base: Node, node: ast.Subscript, env):
        index = node.slice
        if isinstance(index, ast.Slice) and base.kind in ("list", "tuple"):
            bounds = [
                None if b is None else self.constant(b, env)
                for b in (index.lower, index.upper, index.step)
            ]
            children = base.children[slice(*bounds)]
            return Node(base.kind, tuple(range(len(children))), children)
        key = self.constant(index, env)
        if base.kind == "dict":
            if key not in base.keys:
                self.fail(
                    node,
                    f"the parameter dict has no key {key!r}",
                    f"its keys are {', '.join(map(repr, base.keys))}",
                )
            return base.children[base.keys.index(key)]
        if (
            not isinstance(key, int)
            or isinstance(key, bool)
            or not (-len(base.children) <= key < len(base.children))
        ):
            self.fail(
                node,
                f"index {key!r} into a parameter tree of {len(base.children)} items",
                "index it with a whole number in range",
            )
        return base.children[key]

    def constant(self, node, env):
        """The value of an index into a tree: a literal or a loop's constant."""
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            inner = self.constant(node.operand, env)
            if isinstance(inner, int):
                return -inner
        if isinstance(node, ast.Name) and isinstance(env.get(node.id), Const):
            return env[node.id].value
        self.fail(
            node,
            "a parameter tree is indexed with a value known only as it runs",
            "index it with a constant, or loop over it: for W, b in layers:",
        )

    def call(self, node: ast.Call, env):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in ("items", "values", "keys"):
            base = self.value(func.value, env)
            if isinstance(base, Node) and base.kind == "dict" and not node.args:
                keys = tuple(Const(k) for k in base.keys)
                parts = {
                    "keys": keys,
                    "values": base.children,
                    "items": tuple(_pair(k, v) for k, v in zip(keys, base.children)),
                }[func.attr]
                return Node("tuple", tuple(range(len(parts))), parts)
            return None
        if not isinstance(func, ast.Name) or node.keywords:
            return None
        args = [self.value(a, env) for a in node.args]
        if func.id == "len" and args and isinstance(args[0], Const):  # a key's length
            return Const(len(args[0].value)) if isinstance(args[0].value, str) else None
        if not args or not all(isinstance(a, Node) for a in args):
            if func.id == "range" and len(node.args) == 1:
                length = _length(node.args[0], self, env)
                if length is not None:
                    items = tuple(Const(i) for i in range(length))
                    return Node("tuple", tuple(range(length)), items)
            return None
        if func.id == "len" and len(args) == 1:
            return Const(len(args[0].children))
        if func.id == "enumerate" and len(args) == 1:
            items = tuple(_pair(Const(i), v) for i, v in enumerate(args[0].children))
            return Node("tuple", tuple(range(len(items))), items)
        if func.id == "zip":
            items = tuple(
                Node("tuple", tuple(range(len(args))), parts)
                for parts in zip(*(a.children for a in args))
            )
            return Node("tuple", tuple(range(len(items))), items)
        if func.id == "reversed" and len(args) == 1:
            return Node("tuple", args[0].keys, args[0].children[::-1])
        return None


def _length(node, rewriter: Reader, env):
    """`len(tree)` in `range(len(layers))`: the tree's length."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len":
        if len(node.args) == 1:
            base = rewriter.value(node.args[0], env)
            if isinstance(base, Node):
                return len(base.children)
    return None


def _pair(first, second) -> Node:
    return Node("tuple", (0, 1), (first, second))


def stored(node) -> bool:
    return isinstance(getattr(node, "ctx", None), (ast.Store, ast.Del))
