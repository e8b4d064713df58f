"""Parameter trees in the source: a tree parameter becomes one parameter per leaf.

Given the structure of the tree a call passed (symback/trees.py), the function is rewritten
before the fence: `params["W1"]`, `params.W1`, `layers[0][1]` become the leaf's own
parameter; `W, b = layer` and `layer = layers[0]` bind names to parts of the tree; a `for`
loop over a list or tuple of the tree (or its `enumerate`, `zip`, `.items()`, `.values()`)
is unrolled, since its length is part of the structure; `len(layers)` is a number. The
rest of symback then differentiates a function of plain parameters. Anything else done with
a tree (passing it whole to a function, writing into it, rebinding its name) is refused.
"""

from __future__ import annotations

import ast
import copy
import inspect

from .calls import LIBRARIES
from .resolve import namespace_of
from .source import SourceInfo, function_source
from .static import StaticFunction
from .tree_reads import (
    Const,
    Leaf,
    Node,
    Reader,
    leaf_names,
    stored,
    view_of,
    view_structure,
)


def flatten_parameters(
    source: SourceInfo, fdef: ast.FunctionDef, trees: tuple, namespace=None, depth: int = 0
):
    """(the function with each tree parameter replaced by its leaves, {tree: leaf names},
    the namespace it reads: `namespace`, with the helpers it passes trees to rewritten
    likewise under new names)."""
    names = leaf_names(fdef, trees)
    fdef = copy.deepcopy(fdef)  # (the parsed source is cached: never change it)
    env = {param: view_of(structure, names[param])[0] for param, structure in trees}
    rewriter = _Rewriter(source, set(env), namespace, depth, _local_names(fdef, names))
    rewriter.bound = {n.id for n in ast.walk(fdef) if isinstance(n, ast.Name) and stored(n)}
    rewriter.bound |= {a.arg for a in fdef.args.args + fdef.args.kwonlyargs}
    fdef.body = rewriter.block(fdef.body, env)
    args = fdef.args
    defaulted = [a.arg for a in args.args[len(args.args) - len(args.defaults) :]]
    defaulted += [a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
    for a in args.args + args.kwonlyargs:
        if a.arg in names and a.arg in defaulted:
            rewriter.fail(
                a,
                f"parameter `{a.arg}` is a tree and has a default value",
                "pass the tree at every call, without a default",
            )
    kw_defaults = dict(zip([a.arg for a in args.kwonlyargs], args.kw_defaults))
    args.args = [leaf for a in args.args for leaf in _leaves_of(a, names)]
    args.kwonlyargs = [leaf for a in args.kwonlyargs for leaf in _leaves_of(a, names)]
    args.kw_defaults = [kw_defaults.get(a.arg) for a in args.kwonlyargs]
    if rewriter.helpers:
        namespace = namespace.extended(rewriter.helpers)
    return ast.fix_missing_locations(fdef), names, namespace


def _local_names(fdef: ast.FunctionDef, leaves: dict) -> set[str]:
    """Every name the function binds or reads, and the leaves' names."""
    taken = {n.id for n in ast.walk(fdef) if isinstance(n, ast.Name)}
    taken |= {a.arg for a in fdef.args.args + fdef.args.kwonlyargs}
    return taken | {leaf for names in leaves.values() for leaf in names}


def _leaves_of(arg: ast.arg, names) -> list[ast.arg]:
    """A parameter, or a tree parameter's leaves (placed where the tree is written)."""
    if arg.arg not in names:
        return [arg]
    return [ast.copy_location(ast.arg(leaf, None), arg) for leaf in names[arg.arg]]


class _Rewriter(Reader):
    """Rewrites statements given `env`: the names bound to views of trees or to constants."""

    def __init__(self, source: SourceInfo, tree_names: set[str], namespace, depth, taken):
        super().__init__(source)
        self.tree_names = set(tree_names)  # names that ever held a tree: never rebound
        self.namespace = namespace
        self.depth = depth
        self.taken = taken  # names a new helper's name must not be
        self.bound: set[str] = set()  # names the function binds (not a helper's name)
        self.helpers: dict = {}  # new name -> a helper rewritten for the trees passed to it

    # -- statements ------------------------------------------------------------------------

    def block(self, stmts, env) -> list:
        out = []
        for stmt in stmts:
            out += self.statement(stmt, env)
        return out

    def statement(self, stmt, env) -> list:
        if isinstance(stmt, ast.Assign):
            value = self.value(stmt.value, env)
            if value is not None and len(stmt.targets) == 1:
                return self.bind(stmt.targets[0], value, stmt, env)
            self.stores(stmt.targets, env)
            stmt.value = self.expr(stmt.value, env)
            stmt.targets = [self.expr(t, env) for t in stmt.targets]
            return [stmt]
        if isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
            self.stores([stmt.target], env)
            if stmt.value is not None:
                stmt.value = self.expr(stmt.value, env)
            stmt.target = self.expr(stmt.target, env)
            return [stmt]
        if isinstance(stmt, ast.For):
            items = self.value(stmt.iter, env)
            if isinstance(items, Node):
                return self.unroll(stmt, items, env)
            stmt.iter = self.expr(stmt.iter, env)
            return [self.loop(stmt, env)]
        if isinstance(stmt, ast.While):
            stmt.test = self.expr(stmt.test, env)
            return [self.loop(stmt, env)]
        if isinstance(stmt, ast.If):
            stmt.test = self.expr(stmt.test, env)
            first, second = dict(env), dict(env)
            stmt.body = self.block(stmt.body, first) or [ast.Pass()]
            stmt.orelse = self.block(stmt.orelse, second)
            env.clear()  # after the branches, what both bound alike
            env.update({k: v for k, v in first.items() if second.get(k, None) == v})
            return [stmt]
        for field, old in ast.iter_fields(stmt):  # return, expression statements, ...
            if isinstance(old, ast.expr):
                setattr(stmt, field, self.expr(old, env))
        return [stmt]

    def loop(self, stmt, env):
        """A loop left as a loop: its body is rewritten once, for every trip."""
        stored = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and stored(n)}
        self.stores([n for n in ast.walk(stmt) if isinstance(n, ast.Name) and stored(n)], env)
        inner = {k: v for k, v in env.items() if k not in stored}
        stmt.body = self.block(stmt.body, inner) or [ast.Pass()]
        stmt.orelse = self.block(stmt.orelse, dict(inner))
        return stmt

    def unroll(self, stmt: ast.For, items: Node, env) -> list:
        """`for W, b in layers:` with the length known: the body once per item."""
        if stmt.orelse or _breaks(stmt.body):
            self.fail(
                stmt,
                "a loop over a parameter tree is unrolled (its length is part of the "
                "tree's structure), which `break`, `continue` and `else` do not allow",
                "compute with each item without leaving the loop early",
            )
        elements = items.children
        if items.kind == "dict":  # iterating a dict gives its keys
            elements = tuple(Const(k) for k in items.keys)
        out = []
        for element in elements:
            out += self.bind(stmt.target, element, stmt, env)
            out += self.block(copy.deepcopy(stmt.body), env)
        return out

    def bind(self, target, value, stmt, env) -> list:
        """Statements binding `target` to a view; names bound to trees need none."""
        if isinstance(target, ast.Name):
            if isinstance(value, Node):  # (a name may hold one part of a tree, then another)
                self.tree_names.add(target.id)
                env[target.id] = value
                return []
            self.check_rebinding(target, env)
            if isinstance(value, Const):
                env[target.id] = value  # read as the number itself
                return []
            env.pop(target.id, None)
            node = ast.Assign([target], ast.Name(value.name, ast.Load()))
            return [ast.copy_location(node, stmt)]
        if isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, Node):
            if value.kind == "dict":
                self.fail(
                    target,
                    "unpacking a dict gives its keys, which have no derivative",
                    'read the values by key: W = params["W"]',
                )
            if len(target.elts) != len(value.children) or any(
                isinstance(e, ast.Starred) for e in target.elts
            ):
                self.fail(
                    target,
                    f"{len(target.elts)} names for {len(value.children)} values of the "
                    "parameter tree",
                    "unpack as many names as the tree has items",
                )
            out = []
            for element, part in zip(target.elts, value.children):
                out += self.bind(element, part, stmt, env)
            return out
        self.fail(
            target,
            "this assignment from a parameter tree cannot be followed",
            "assign its parts to names: W, b = layer",
        )

    def check_rebinding(self, target: ast.Name, env) -> None:
        """A name that held part of a tree gets no other value (which one a read means
        would then depend on the path taken)."""
        if target.id in self.tree_names:
            self.fail(
                target,
                f"`{target.id}` holds part of a parameter tree and is assigned again",
                "use another name for the new value",
            )

    def stores(self, targets, env) -> None:
        """Names assigned an ordinary value: they stop being constants; trees cannot be."""
        for target in targets:
            for node in ast.walk(target):
                if isinstance(node, ast.Name) and stored(node):
                    if node.id in self.tree_names:
                        self.check_rebinding(node, env)
                    env.pop(node.id, None)
                elif isinstance(node, ast.Subscript) and isinstance(
                    self.value(node.value, env), Node
                ):
                    self.fail(
                        node,
                        "writing into a parameter tree",
                        "compute a new value with another name",
                    )

    # -- expressions -----------------------------------------------------------------------

    def expr(self, node, env):
        """`node` with every read of a tree's leaf replaced by the leaf's parameter."""
        value = self.value(node, env)
        if value is not None:
            return ast.copy_location(self.materialise(value, node), node)
        if isinstance(node, ast.Call):
            call = self.helper_call(node, env)
            if call is not None:
                return call
        if isinstance(node, ast.Name) and node.id in self.tree_names and not stored(node):
            self.fail(
                node,
                f"`{node.id}` is a part of the parameter tree this code cannot "
                "follow here (bound differently on different paths, or in a loop)",
                "read the tree's items by constant keys, indices or in `for` loops",
            )
        for field, old in ast.iter_fields(node):
            if isinstance(old, ast.expr):
                setattr(node, field, self.expr(old, env))
            elif isinstance(old, list):
                setattr(
                    node,
                    field,
                    [
                        self.expr(e, env) if isinstance(e, ast.expr) else self.keyword(e, env)
                        for e in old
                    ],
                )
        return node

    def keyword(self, node, env):
        if isinstance(node, ast.keyword):
            node.value = self.expr(node.value, env)
        elif isinstance(node, ast.comprehension):
            node.iter = self.expr(node.iter, env)
            node.ifs = [self.expr(e, env) for e in node.ifs]
        return node

    def helper_call(self, node: ast.Call, env):
        """`predict(params, x)`, a function of the user's given a tree: a call of that
        function rewritten for the tree's structure, given the leaves."""
        func = node.func
        if not isinstance(func, ast.Name) or self.namespace is None or func.id in self.bound:
            return None
        views = [self.value(a, env) for a in node.args]
        keyword_views = [self.value(k.value, env) for k in node.keywords]
        if not any(isinstance(v, Node) for v in views + keyword_views):
            return None
        helper = _user_function(self.namespace.lookup(func.id).value)
        if helper is None:
            return None  # (materialise says what is refused)
        source, fdef, namespace = helper
        if len(node.args) > len(fdef.args.args):
            return None  # (inlining says how many arguments it takes)
        if self.depth > 20:
            self.fail(node, f"`{fdef.name}` passes a parameter tree on too deeply (recursion?)")
        positional = [a.arg for a in fdef.args.args]
        given = list(zip(positional, views, node.args))
        given += [(k.arg, v, k.value) for k, v in zip(node.keywords, keyword_views)]
        trees, leaves = [], {}
        for param, view, arg in given:
            if isinstance(view, Node):
                structure, names = view_structure(view)
                if structure is None or param is None:
                    self.fail(arg, "this part of a parameter tree cannot be passed on")
                trees.append((param, structure))
                leaves[param] = names
        order = positional + [a.arg for a in fdef.args.kwonlyargs]
        trees.sort(key=lambda item: order.index(item[0]) if item[0] in order else -1)
        new_fdef, names, namespace = flatten_parameters(
            source, fdef, tuple(trees), namespace, self.depth + 1
        )
        name = f"{fdef.name}_tree"
        while name in self.taken or name in self.helpers:
            name += "_"
        self.helpers[name] = StaticFunction(new_fdef, source, namespace)
        args = []
        for param, arg in zip(positional, node.args):
            if param in leaves:
                args += [ast.copy_location(ast.Name(n, ast.Load()), arg) for n in leaves[param]]
            else:
                args.append(self.expr(arg, env))
        keywords = []
        for k in node.keywords:
            if k.arg in leaves:
                pairs = zip(names[k.arg], leaves[k.arg])
                keywords += [ast.keyword(p, ast.Name(n, ast.Load())) for p, n in pairs]
            else:
                keywords.append(ast.keyword(k.arg, self.expr(k.value, env)))
        call = ast.Call(ast.Name(name, ast.Load()), args, keywords)
        return ast.fix_missing_locations(ast.copy_location(call, node))

    def materialise(self, value, node):
        """A view used as a value: a leaf's parameter, a number, a tuple of leaves."""
        if isinstance(value, Leaf):
            return ast.Name(value.name, ast.Load())
        if isinstance(value, Const):
            return ast.Constant(value.value)
        if value.kind in ("list", "tuple"):
            elts = [ast.copy_location(self.materialise(v, node), node) for v in value.children]
            return (ast.List if value.kind == "list" else ast.Tuple)(elts, ast.Load())
        what = "dict" if value.kind == "dict" else value.kind.__name__
        self.fail(
            node,
            f"a whole {what} of the parameter tree is used as a value (passed to a function, "
            "returned, or computed with)",
            'read its items: params["W1"], params.W1, or `for W, b in layers:`; a helper '
            "function can take the items as parameters",
        )


def _user_function(value):
    """(source, def node, namespace) of a function of the user's, or None."""
    if isinstance(value, StaticFunction):
        return value.source, value.fdef, value.namespace
    if not inspect.isfunction(value) or hasattr(value, "__symback_helper__"):
        return None
    if (getattr(value, "__module__", None) or "").split(".")[0] in LIBRARIES:
        return None
    fn, source, fdef = function_source(value)
    return source, fdef, namespace_of(fn)


def _breaks(body) -> bool:
    """Does a `break` or `continue` leave this loop body (not one of a loop inside it)?"""
    stack = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Break, ast.Continue)):
            return True
        if not isinstance(node, (ast.For, ast.While, ast.FunctionDef, ast.Lambda)):
            stack += [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.stmt)]
    return False
