"""explain(f, *args): the backward pass of one call, shown on its computation graph."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, ParamSpec

import numpy as np

from ..display import code_markdown
from ..errors import user_facing
from ..pipeline import lower
from . import render as show
from .trace import ArgumentError, Edge, Node, Trace, trace

P = ParamSpec("P")  # f's parameters: explain takes f's arguments

__all__ = ["ArgumentError", "Edge", "Explanation", "Node", "explain"]


class Explanation:
    """One call's graph: `.nodes`, `.gradients`; str() is the table, `.to_dot()` the picture."""

    def __init__(self, graph: Trace):
        self.trace = graph

    @property
    def nodes(self) -> tuple[Node, ...]:
        """Inputs, then one node per statement: value, upstream gradient, edges to operands."""
        return self.trace.nodes

    @property
    def gradients(self) -> dict[str, object]:
        """dL/d(input) for every input of the function, in the input's shape."""
        return self.trace.gradients

    @property
    def path(self) -> list[tuple[int, str]]:
        """(line, what happened): each `if` passed (the branch taken) and each loop run."""
        return show.path_lines(self.trace)

    @property
    def value(self):
        """The function's value at these arguments."""
        return self.trace.node(self.trace.output).value

    def node(self, name: str) -> Node:
        """The node named `name` (an input, a user variable, `y_1`, `t1`, ...)."""
        for n in self.trace.nodes:
            if n.name == name:
                return n
        raise KeyError(f"no node {name!r}; the nodes are {[n.name for n in self.nodes]}")

    def __str__(self) -> str:
        return show.text(self.trace)

    def text(self, all_iterations: bool = False) -> str:
        """The table; a loop of more than 8 iterations shows its first and last 3 and one
        line for the middle, unless `all_iterations` (the numbers cover every iteration)."""
        return show.text(self.trace, all_iterations)

    def __repr__(self) -> str:
        grads = ", ".join(f"d/d{k}={show.value_text(v)}" for k, v in self.gradients.items())
        return f"<Explanation of {show.call_text(self.trace)}: {grads}>"

    def to_dot(self, all_iterations: bool = False) -> str:
        """The graph in Graphviz DOT: values and gradients on nodes, local gradients on edges
        (the middle of a long loop as one box, unless `all_iterations`)."""
        return show.dot(self.trace, all_iterations)

    def render(self, path, all_iterations: bool = False) -> str:
        """Write the picture to `path` (.svg, .png or .pdf) with Graphviz `dot`; returns path."""
        return show.write_picture(self.to_dot(all_iterations), str(path))

    def _repr_svg_(self):
        """The picture for notebooks (None, so the text shows, when `dot` is missing)."""
        if not show.have_dot():
            return None
        return show.svg(self.to_dot())

    def _repr_markdown_(self) -> str | None:
        """Notebooks without Graphviz: the table (None where the picture shows: notebooks
        prefer Markdown to SVG)."""
        if show.have_dot():
            return None
        return code_markdown(str(self), language="text")


@user_facing
def explain(f: Callable[P, Any], *args: P.args, **kwargs: P.kwargs) -> Explanation:
    """The backward pass of `f(*args, **kwargs)`, node by node, from the output to each input.

    Lists are taken as float arrays. The function must return a scalar. Branches and
    loops show as they ran for these arguments: the branch taken, each loop iteration's
    nodes tagged with it (`s[i=2]`, `s[#3]` in a while loop).
    """
    lowered = lower(f)
    try:
        bound = inspect.signature(f).bind(*args, **kwargs)
    except TypeError as exc:
        raise ArgumentError(
            f"explain({lowered.name}, ...) cannot call {lowered.name} with these "
            f"arguments: {exc}",
            hint=f"pass values as you would call {lowered.name}"
            f"({', '.join(p.name for p in lowered.params)})",
        ) from None
    bound.apply_defaults()
    for name, value in bound.arguments.items():
        if isinstance(value, dict) or isinstance(value, tuple) and hasattr(type(value), "_fields"):
            raise ArgumentError(
                f"explain draws functions of arrays and numbers; `{name}` is a "
                f"{type(value).__name__} (a parameter tree), which it does not draw yet",
                hint="explain a version of the function taking the leaves as parameters",
            )
    arguments = {p.name: _as_value(bound.arguments[p.name]) for p in lowered.params}
    return Explanation(trace(lowered, arguments))


def _as_value(value):
    """Lists and tuples become float arrays; anything else is used as given."""
    if isinstance(value, (list, tuple)):
        return np.asarray(value, dtype=float)
    return value
