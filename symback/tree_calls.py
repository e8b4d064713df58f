"""Calls with parameter trees: one gradient per structure seen, leaves in, a tree out.

A gradient called with a dict, list, tuple or NamedTuple for a parameter it differentiates
looks up (or generates) the code for that structure: the function rewritten with one
parameter per leaf (frontend/trees.py). The call passes the leaves, and the leaves'
gradients come back as a tree of the argument's structure, as `jax.grad` returns them. The
last structure made is checked first, without binding the signature.
"""

from __future__ import annotations

import inspect
from dataclasses import replace

from .trees import CONTAINERS, build, is_tree, leaves, structure_of

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
        out, start = [], 0
        for structure in self.groups:
            if structure is None:
                out.append(gradients[start])
                start += 1
            else:
                tree, start = build(structure, gradients, start)
                out.append(tree)
        return out[0] if self.single else tuple(out)


def tree_call(gradient, args: tuple, kwargs: dict):
    """The gradient at a call passing trees, or NOT_TREE if no parameter to differentiate
    is given one."""
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
    made = gradient._tree_calls.get(trees)
    if made is None:
        with gradient._lock:
            made = gradient._tree_calls.get(trees)
            if made is None:
                made = _make_tree_call(gradient, trees)
    flat = made.flat(arguments)
    return made.run(flat)


def _make_tree_call(gradient, trees: tuple) -> TreeCall:
    from .api import _make  # (the cache of gradients, in api.py, which calls this module)

    options = replace(gradient._options, wrt=gradient.wrt, trees=trees)
    made = TreeCall(gradient, trees, _make(gradient._user, options))
    gradient._tree_calls[trees] = made
    if type(gradient).__name__ == "GradientFunction" and count_positional(gradient):
        gradient._install(_fast(gradient, made))
    return made


def count_positional(gradient) -> bool:
    """Can every parameter be passed by position (no keyword-only ones)?"""
    return all(
        p.kind == inspect.Parameter.POSITIONAL_OR_KEYWORD
        for p in gradient._signature.parameters.values()
    )


def _fast(gradient, made: TreeCall):
    """The call for arguments all given by position, of this structure: the leaves taken
    out and the trees built again, with no signature binding in between."""
    # a parameter to differentiate that the structure has as one value must not be a tree
    wrt = set(gradient.wrt)
    layout = [(structure, name in wrt) for name, structure, _ in made.layout]
    wanted = len(layout)
    inner = made.inner
    run = made.run if made.value_too or made.has_aux else None
    regroup = made.regroup

    def call(*args, **kwargs):
        if not kwargs and len(args) == wanted:
            flat: list = []
            for value, (structure, differentiated) in zip(args, layout):
                if structure is None:
                    if differentiated and value.__class__ in CONTAINERS:
                        break
                    flat.append(value)
                elif not leaves(value, structure, flat):
                    break
            else:
                return run(flat) if run else regroup(inner(*flat))
        return gradient._dispatch(args, kwargs)

    return call
