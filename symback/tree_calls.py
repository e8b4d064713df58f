"""Calls with parameter trees: one gradient per structure seen, leaves in, a tree out.

A gradient called with a dict, list, tuple or NamedTuple for a parameter it differentiates
looks up (or generates) the code for that structure: the function rewritten with one
parameter per leaf (frontend/trees.py). The call passes the leaves, and the leaves'
gradients come back as a tree of the argument's structure, as `jax.grad` returns them. The
last structure made is checked first, without binding the signature.
"""

from __future__ import annotations

from dataclasses import replace

from .backend.load import load
from .errors import SymbackError
from .frontend.source import function_source
from .frontend.tree_reads import tree_like_use
from .pipeline import resolve_wrt
from .trees import CONTAINERS, LEAF, build, count, describe, is_tree, leaves, structure_of

NOT_TREE = object()  # the call has no tree for a parameter to differentiate


class TreeCall:
    """The gradient for one structure of the tree arguments."""

    def __init__(self, outer, trees: tuple, inner):
        self.inner = inner
        params = list(outer._signature.parameters.values())
        # for each parameter: its structure (None: not a tree) and whether it is keyword-only
        self.layout = [(p.name, dict(trees).get(p.name), p.kind == p.KEYWORD_ONLY) for p in params]
        inner_params = list(inner._signature.parameters.values())
        self.positional = sum(p.kind != p.KEYWORD_ONLY for p in inner_params)
        self.keyword_names = [p.name for p in inner_params[self.positional :]]
        self.groups = [(dict(trees).get(name)) for name in outer.wrt]
        self.single = not isinstance(outer._options.wrt, (tuple, list))
        self.has_aux = outer._options.has_aux
        self.value_too = outer._options.value_too

    def flat(self, arguments: dict) -> list | None:
        """The leaves and other arguments in the order the generated code takes them."""
        out: list = []
        for name, structure, _ in self.layout:
            value = arguments[name]
            if structure is None:
                out.append(value)
            elif not leaves(value, structure, out):
                return None
        return out

    def run(self, flat: list):
        keywords = dict(zip(self.keyword_names, flat[self.positional :]))
        result = self.inner(*flat[: self.positional], **keywords)
        if self.value_too:
            value, gradients = result
            return value, self.regroup(gradients)
        if self.has_aux:
            gradients, aux = result
            return self.regroup(gradients), aux
        return self.regroup(result)

    def regroup(self, gradients):
        """The leaves' gradients as trees of the arguments' structures."""
        gradients = gradients if isinstance(gradients, tuple) else (gradients,)
        out = per_parameter(self.groups, gradients, build)
        return out[0] if self.single else tuple(out)


def per_parameter(groups, gradients, build_tree) -> list:
    """One item per parameter differentiated: its gradient, or for a tree (its structure
    in `groups`) `build_tree(structure, gradients, start)`'s tree of the next leaves'."""
    out, start = [], 0
    for structure in groups:
        if structure is None:
            out.append(gradients[start])
            start += 1
        else:
            tree, start = build_tree(structure, gradients, start)
            out.append(tree)
    return out


def tree_call(gradient, args: tuple, kwargs: dict, make):
    """The gradient at a call passing trees, or NOT_TREE if no parameter to differentiate
    is given one; `make(fn, options)` makes (or finds) a gradient."""
    if gradient._options.trees:
        return NOT_TREE  # (code for one structure: its parameters are leaves)
    try:
        bound = gradient._signature.bind(*args, **kwargs)
    except TypeError:
        return NOT_TREE  # the general code raises the usual TypeError
    bound.apply_defaults()
    arguments = bound.arguments
    trees = tuple(
        (name, structure_of(arguments[name])) for name in gradient.wrt if is_tree(arguments[name])
    )
    if not trees:
        return NOT_TREE
    for name, structure in trees:
        if not count(structure):
            raise SymbackError(
                f"argument `{name}` is {describe(structure)}: a tree with no values has no "
                "gradient",
                gradient._parameter_place(name),
                hint="pass a tree holding at least one number or array",
            )
    made = gradient._tree_calls.get(trees)
    if made is None:
        with gradient._lock:
            made = gradient._tree_calls.get(trees)
            if made is None:
                made = _make_tree_call(gradient, trees, make)
    flat = made.flat(arguments)
    return made.run(flat)


def _make_tree_call(gradient, trees: tuple, make) -> TreeCall:
    options = replace(gradient._options, wrt=gradient.wrt, trees=trees)
    made = TreeCall(gradient, trees, make(gradient._user, options))
    gradient._tree_calls[trees] = made
    if type(gradient).__name__ == "GradientFunction":
        gradient._install(_fast(gradient, made))
    return made


def _fast(gradient, made: TreeCall):
    """The call for arguments all given by position, of this structure: generated code
    that tests the trees' types, keys and lengths, takes the leaves out, calls the code for
    the leaves and builds the gradient's trees, with no signature binding in between (any
    other call goes the general way)."""
    namespace = {
        "_symback_inner": made.inner,
        "_symback_slow": lambda *args, **kwargs: gradient._dispatch(args, kwargs),
        "_symback_containers": CONTAINERS,
        "_symback_dict": dict,
        "_symback_list": list,
        "_symback_tuple": tuple,
    }
    names = [f"_symback_a{i}" for i in range(len(made.layout))]
    rows = []
    leaves_in: list[str] = []
    wrt = set(gradient.wrt)
    for (name, structure, _), arg in zip(made.layout, names):
        if structure is None:
            if name in wrt:  # (a tree there is another structure)
                rows.append(
                    f"if isinstance({arg}, _symback_containers): return _symback_slow(*args)"
                )
            leaves_in.append(arg)
        else:
            _take_apart(structure, arg, rows, leaves_in, namespace)
    gradients = [f"_symback_g{i}" for i in range(len(made.inner.wrt))]
    built = per_parameter(made.groups, gradients, lambda *at: _build(*at, namespace))
    tree = built[0] if made.single else f"({', '.join(built)},)"
    got = f"({', '.join(gradients)},)"
    if made.value_too:
        got = f"(_symback_value, _symback_aux), {got}" if made.has_aux else f"_symback_value, {got}"
        value = "(_symback_value, _symback_aux)" if made.has_aux else "_symback_value"
        result = f"{value}, {tree}"
    elif made.has_aux:
        got, result = f"{got}, _symback_aux", f"{tree}, _symback_aux"
    else:
        result = tree
    body = [
        "def call(*args, **kwargs):",
        f"    if kwargs or len(args) != {len(names)}:",
        "        return _symback_slow(*args, **kwargs)",
        f"    {', '.join(names)}, = args",
        *("    " + row for row in rows),
        f"    {got} = _symback_inner({', '.join(leaves_in)})",
        f"    return {result}",
    ]
    return load("\n".join(body) + "\n", "a call with parameter trees", namespace)["call"]


def _take_apart(structure, expr: str, rows: list, out: list, namespace: dict) -> None:
    """Rows testing that `expr` has this structure and naming its leaves (added to `out`)."""
    if structure == LEAF:
        rows.append(f"if isinstance({expr}, _symback_containers): return _symback_slow(*args)")
        out.append(expr)
        return
    kind, keys, children = structure
    if kind == "dict":
        keys_name = _constant(namespace, keys)
        test = f"{expr}.__class__ is _symback_dict and tuple({expr}) == {keys_name}"
        items = f"{expr}.values()"
    else:
        kind_name = f"_symback_{kind}" if kind in ("list", "tuple") else _constant(namespace, kind)
        test = f"{expr}.__class__ is {kind_name} and len({expr}) == {len(keys)}"
        items = expr
    rows.append(f"if not ({test}): return _symback_slow(*args)")
    parts = [f"{expr}_{i}" for i in range(len(children))]
    if parts:
        rows.append(f"{', '.join(parts)}, = {items}")
    for child, part in zip(children, parts):
        _take_apart(child, part, rows, out, namespace)


def _build(structure, gradients: list, start: int, namespace: dict) -> tuple[str, int]:
    """The expression building the gradient's tree from gradients[start:]."""
    if structure == LEAF:
        return gradients[start], start + 1
    kind, keys, children = structure
    parts = []
    for child in children:
        text, start = _build(child, gradients, start, namespace)
        parts.append(text)
    if kind == "dict":
        keys_named = [_constant(namespace, k) for k in keys]
        return "{" + ", ".join(f"{k}: {v}" for k, v in zip(keys_named, parts)) + "}", start
    if kind == "list":
        return f"[{', '.join(parts)}]", start
    if kind == "tuple":
        return f"({', '.join(parts)}{',' if len(parts) == 1 else ''})", start
    return f"{_constant(namespace, kind)}({', '.join(parts)})", start


def _constant(namespace: dict, value) -> str:
    """A name for `value` in the generated call's namespace (keys, classes: never text)."""
    for name, known in namespace.items():
        if name.startswith("_symback_c") and known is value:
            return name
    name = f"_symback_c{sum(n.startswith('_symback_c') for n in namespace)}"
    namespace[name] = value
    return name


def reads_trees(fn, wrt, strong: bool) -> SymbackError | None:
    """If `fn` reads a parameter to differentiate as a tree (frontend/trees.py), the
    error that says its code is made once a call shows the tree's structure."""
    try:
        _, source, fdef = function_source(fn)
        node = tree_like_use(fdef, wrt_names(fn, wrt), strong)
    except (SymbackError, TypeError):
        return None
    if node is None:
        return None
    return SymbackError(
        f"{fdef.name} reads a parameter as a tree (a dict, list, tuple or NamedTuple): "
        "its gradient code is made at the first call, once the tree's structure is known",
        source.place(node),
        hint="call the gradient first; then .source shows the code for that structure",
    )


def wrt_names(fn, wrt) -> tuple[str, ...]:
    """The names of the parameters `wrt` means (resolve_wrt checks them, at generation)."""
    _, source, fdef = function_source(fn)
    return resolve_wrt(wrt, fdef, source)[0]
