"""An explained backward pass as people read it: a text table, Graphviz DOT, SVG/PNG pictures."""

from __future__ import annotations

import html
import os
import shutil
import subprocess
from dataclasses import dataclass

import numpy as np

from ..backend.printer import is_number
from ..errors import SymbackError, SymbackInternalError
from .arrays import shown_as
from .graph import (
    BLOCKED,
    FLOWS,
    OPAQUE,
    PARAMETER,
    PRIMITIVE,
    UNUSED,
    ZERO,
    Edge,
    Node,
    Trace,
)
from .paths import Gap, gaps, path_lines, shown

# A gradient summed from more uses than this lists only the first and last terms.
LISTED_TERMS = 8

# Picture formats `dot` writes, by file extension.
PICTURE_FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf"}

# Colours of the picture: the tutorials' forward values, gradients and local gradients.
VALUE_COLOUR, GRADIENT_COLOUR, LOCAL_COLOUR = "#15803d", "#b91c1c", "#1d4ed8"
INPUT_FILL, NODE_FILL, OPAQUE_FILL = "#dbeafe", "#ffffff", "#f3f4f6"

INSTALL_HINT = (
    "install Graphviz so that `dot` is on PATH (apt-get install graphviz, brew install "
    "graphviz, conda install graphviz), or write the DOT text with --dot / .to_dot()"
)


# -- values ------------------------------------------------------------------------------


def value_text(value, shape: bool = False) -> str:
    """A scalar with up to 6 significant digits; an array compactly (with its shape if asked)."""
    if isinstance(value, (tuple, list)):  # a constant read from outside (arrays, numbers)
        items = ", ".join(value_text(v, shape) for v in value)
        return f"({items})" if isinstance(value, tuple) else f"[{items}]"
    if np.ndim(value) == 0:
        item = np.asarray(value).item()
        if isinstance(item, str):  # the user's text, quoted: no control character printed
            return repr(item)
        if isinstance(item, bool) or item is None:
            return str(item)
        if isinstance(item, complex):
            return str(item)
        return f"{item + 0.0:.6g}"  # + 0.0 turns -0.0 into 0.0
    array = np.asarray(value)
    if array.dtype.kind == "f":
        array = array + 0.0
    text = np.array2string(
        array,
        threshold=8,
        edgeitems=3,
        max_line_width=10**6,
        formatter={"float_kind": lambda x: f"{x:.4g}", "bool": str},
    )
    text = " ".join(part.strip() for part in text.splitlines())
    return text + _notes([shape_text(array)] if shape else [])


def shape_text(value) -> str:
    """`shape 2x3` for an array, "" for a scalar."""
    if isinstance(value, (tuple, list)):  # (a constant: its items have shapes of their own)
        return f"{type(value).__name__} of {len(value)}"
    shape = np.shape(value)
    return f"shape {'x'.join(str(n) for n in shape)}" if shape else ""


def _notes(notes: list[str]) -> str:
    """`  (shape 4; summed over ...)`: the remarks after a value, if any."""
    notes = [n for n in notes if n]
    return f"  ({'; '.join(notes)})" if notes else ""


def call_text(trace: Trace) -> str:
    """`f(w=2, b=-1)`: the call being explained."""
    args = ", ".join(f"{n.name}={value_text(n.value)}" for n in trace.parameters)
    return f"{trace.function}({args})"


@dataclass(frozen=True)
class Out:
    """The output: its node, and how dL/dv writes it (`s` for the node `s[i=2]`)."""

    name: str
    symbol: str


def _d(of: str, wrt: str) -> str:
    return f"d{of}/d{wrt}"


def _where(node: Node) -> str:
    return "input" if node.kind == PARAMETER else f"line {node.line}"


def _local_text(node: Node, edge: Edge, output: Out) -> str:
    """`da/dz = np.exp(-z) / (1 + np.exp(-z)) ** 2 = 0.25`, the local gradient on one edge."""
    d = _d(output.symbol if node.name == output.name else node.name, edge.operand)
    if edge.flow == BLOCKED:
        return f"{d} = 0  ({node.name} = {node.code} passes no gradient)"
    if edge.flow == ZERO:
        return f"{d} = 0"
    if shown_as(node.op) == "selection":
        return f"{d} = 1 at {edge.formula}, 0 elsewhere"
    if shown_as(node.op) == "product":
        return f"{d}: through the matrix product {node.code}"
    if node.kind == PRIMITIVE:
        each = float(np.ravel(edge.local)[0]) if np.size(edge.local) else 0.0
        shown = (
            edge.formula
            if edge.formula == value_text(each)
            else (f"{edge.formula} = {value_text(each)}")
        )
        if node.upstream is not None and edge.flow == FLOWS and node.name == output.name:
            return f"{d} = {shown} for each element = {value_text(edge.product)}"
        return f"{d} = {shown} for each element"
    local = value_text(edge.local)
    if edge.formula in ("", local) or is_number(edge.formula):
        return f"{d} = {local}"
    return f"{d} = {edge.formula} = {local}"


def _product_text(node: Node, edge: Edge, output: Out) -> str:
    """`dL/dz += dL/da * da/dz = -1 * 0.25 = -0.25`, what one edge sends back."""
    up, local, product = (
        _d(output.symbol, node.name),
        _d(node.name, edge.operand),
        edge.product,
    )
    if shown_as(node.op) == "selection":
        return (
            f"{_d(output.symbol, edge.operand)} += {up} added at {edge.formula} = "
            f"{value_text(product)}"
        )
    if shown_as(node.op) == "product":
        rule = edge.formula.replace("{g}", up)
        return f"{_d(output.symbol, edge.operand)} += {rule} = {value_text(product)}"
    values = f"{value_text(node.upstream)} * {value_text(_shown_local(node, edge))}"
    if edge.reduced:
        return (
            f"{_d(output.symbol, edge.operand)} += sum({up} * {local}) = sum({values}) = "
            f"{value_text(product)}  (summed over the broadcast axes to "
            f"{edge.operand}'s shape)"
        )
    spread = f"  (spread back along the reduced axes to {edge.operand}'s shape)" * edge.spread
    return (
        f"{_d(output.symbol, edge.operand)} += {up} * {local} = {values} = "
        f"{value_text(product)}{spread}"
    )


def _shown_local(node: Node, edge: Edge):
    if node.kind == PRIMITIVE and np.size(edge.local):
        return float(np.ravel(edge.local)[0])  # the same for each element
    return edge.local


def _upstream_text(node: Node, output: Out) -> str:
    """dL/dv: the sum of what v's uses sent back (just one term for most nodes)."""
    d = _d(output.symbol, node.name)
    if node.name == output.name:
        return f"{d} = 1  (the output)"
    if node.upstream is None:
        return f"no gradient reaches {node.name}"
    total = value_text(node.upstream)
    shape = shape_text(node.upstream) if node.kind == PARAMETER else ""
    if len(node.uses) < 2:
        return f"{d} = {total}{_notes([shape])}"
    products = [value_text(p) for _, p in node.uses]
    why = f"summed over its {len(node.uses)} uses"
    if len(products) > LISTED_TERMS:  # a value every iteration of a long loop reads
        products = products[:3] + ["..."] + products[-3:]
    else:
        why += ": " + ", ".join(u for u, _ in node.uses)
    terms = " + ".join(products).replace("+ -", "- ")
    return f"{d} = {terms} = {total}{_notes([shape, why])}"


# -- the text table ----------------------------------------------------------------------


def text(trace: Trace, all_iterations: bool = False) -> str:
    """The path taken, the forward pass, the backward pass from the output back, and the
    gradients; the middle of a long loop is one line unless `all_iterations`."""
    out = Out(trace.output, trace.symbol)
    hidden = gaps(trace, all_iterations)
    width = max(len(_where(n)) for n in trace.nodes)
    pad = " " * (4 + width)
    output_node = trace.node(out.name)
    rows = [f"{call_text(trace)} = {value_text(output_node.value)}", ""]

    path = path_lines(trace)
    if path:
        rows.append("Path taken (the graph holds only what ran)")
        line_width = max(len(f"line {line}") for line, _ in path)
        rows += [f"  {f'line {line}':>{line_width}}  {what}" for line, what in path]
        rows.append("")

    rows.append("Forward pass: each node's value, in order")
    for n in shown(trace.nodes, hidden):
        if isinstance(n, Gap):
            rows.append(f"  {'':>{width}}  {n.text()}")
            continue
        rhs = f"{n.code} = " if n.code and not is_number(n.code) else ""
        unused = "" if n.affects_output else "does not affect the output"
        value = value_text(n.value) + _notes([shape_text(n.value), unused])
        arrow = "  <- output" if n.name == out.name else ""
        rows.append(f"  {_where(n):>{width}}  {n.name} = {rhs}{value}{arrow}")

    rows += [
        "",
        (
            f"Backward pass, from the output back: {_d(out.symbol, 'u')} += "
            f"{_d(out.symbol, 'v')} * dv/du on each edge from v back to u"
        ),
    ]
    for n in shown(reversed(trace.nodes), hidden):
        if isinstance(n, Gap):
            rows.append(f"  {'':>{width}}  {n.text()}")
            continue
        if n.kind == PARAMETER or not n.affects_output:
            continue
        rows.append(f"  {_where(n):>{width}}  {n.name} = {n.code}")
        rows.append(pad + _upstream_text(n, out))
        if n.upstream is None:
            continue
        for edge in n.edges:
            rows.append(pad + _local_text(n, edge, out))
            if edge.flow == FLOWS and (n.name != out.name or shown_as(n.op) == "product"):
                rows.append(pad + _product_text(n, edge, out))
    if rows[-1].startswith("Backward pass"):
        rows.append(f"  (no statements: the output is the input {out.name} itself)")

    rows += ["", f"Gradients of {out.symbol}"]
    for n in trace.parameters:
        if n.upstream is not None:
            rows.append("  " + _upstream_text(n, out))
            continue
        grad = trace.gradients[n.name]
        why = "no gradient flows back to it"
        if not n.affects_output:
            why = "does not affect the output"
        notes = _notes([shape_text(grad), why])
        rows.append(f"  {_d(out.symbol, n.name)} = {value_text(grad)}{notes}")
    return "\n".join(rows) + "\n"


# -- the picture -------------------------------------------------------------------------


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _font(colour: str, text: str) -> str:
    return f'<FONT COLOR="{colour}">{html.escape(text, quote=False)}</FONT>'


def _node_dot(node: Node, output: Out) -> str:
    title = node.name if node.kind == PARAMETER else f"{node.name} = {node.code}"
    where = "input" if node.kind == PARAMETER else f"line {node.line}"
    parts = [
        f"<B>{html.escape(title, quote=False)}</B>",
        f'<FONT POINT-SIZE="9">{where}</FONT>',
        _font(VALUE_COLOUR, f"{node.name} = {value_text(node.value, shape=True)}"),
    ]
    if node.upstream is not None:
        parts.append(
            _font(
                GRADIENT_COLOUR,
                f"{_d(output.symbol, node.name)} = {value_text(node.upstream)}",
            )
        )
    elif not node.affects_output:
        parts.append(_font("#6b7280", "does not affect the output"))
    else:
        parts.append(_font("#6b7280", "no gradient"))
    attrs = {"label": "<" + "<BR/>".join(parts) + ">"}
    if node.kind == PARAMETER:
        attrs.update(shape="ellipse", fillcolor=INPUT_FILL)
    elif node.upstream is None or node.kind == OPAQUE:
        attrs.update(fillcolor=OPAQUE_FILL, style="rounded,filled,dashed")
    if node.name == output.name:
        attrs.update(penwidth="2.5")
    return f"  {_quote(node.name)} [{_attrs(attrs)}];"


def _edge_dot(node: Node, edge: Edge, output: Out) -> str:
    d = _d(output.symbol if node.name == output.name else node.name, edge.operand)
    attrs: dict[str, str] = {}
    if edge.flow in (BLOCKED, ZERO):
        why = "no gradient" if edge.flow == BLOCKED else f"{d} = 0"
        attrs.update(style="dashed", color="#9ca3af", label=f"<{_font('#6b7280', why)}>")
    else:
        if shown_as(node.op) == "product":
            local = "matrix product"
        elif shown_as(node.op) == "selection":
            local = f"1 at {edge.formula}"
        elif node.kind == PRIMITIVE:
            local = value_text(_shown_local(node, edge)) + " each"
        else:
            local = value_text(edge.local)
        lines = [_font(LOCAL_COLOUR, f"{d} = {local}")]
        if edge.flow == FLOWS and (node.name != output.name or shown_as(node.op) == "product"):
            lines.append(
                _font(
                    GRADIENT_COLOUR,
                    f"{_d(output.symbol, edge.operand)} += {value_text(edge.product)}",
                )
            )
        if edge.flow == UNUSED:
            attrs.update(style="dotted")
        attrs["label"] = "<" + "<BR/>".join(lines) + ">"
    return f"  {_quote(edge.operand)} -> {_quote(node.name)} [{_attrs(attrs)}];"


def _attrs(attrs: dict[str, str]) -> str:
    """DOT attributes: HTML labels as they are, every other value quoted."""
    return ", ".join(f"{k}={v if v.startswith('<') else _quote(v)}" for k, v in attrs.items())


def dot(trace: Trace, all_iterations: bool = False) -> str:
    """Graphviz DOT text of the graph, inputs on the left, the output on the right; the
    middle of a long loop is one dashed box unless `all_iterations`."""
    out = Out(trace.output, trace.symbol)
    hidden = gaps(trace, all_iterations)
    title = f"{call_text(trace)} = {value_text(trace.node(out.name).value)}"
    legend = (
        _font(VALUE_COLOUR, "value")
        + "   "
        + _font(GRADIENT_COLOUR, f"gradient {_d(out.symbol, 'node')}")
        + "   "
        + _font(LOCAL_COLOUR, "local gradient on each edge")
    )
    path = "".join(
        f"<BR/>{html.escape(f'line {line}: {what}', quote=False)}"
        for line, what in path_lines(trace)
    )
    rows = [
        f"digraph {_quote(trace.function)} {{",
        "  graph [rankdir=LR, labelloc=t, fontname=Helvetica, nodesep=0.4, ranksep=0.9,",
        f"         label=<<B>{html.escape(title, quote=False)}</B>{path}<BR/>{legend}<BR/> >];",
        (
            f'  node [shape=box, style="rounded,filled", fillcolor="{NODE_FILL}", '
            "fontname=Helvetica, fontsize=11];"
        ),
        '  edge [fontname=Helvetica, fontsize=10, color="#4b5563"];',
    ]
    for n in shown(trace.nodes, hidden):
        rows.append(_gap_dot(n) if isinstance(n, Gap) else _node_dot(n, out))
    joined = set()  # edges to or from a gap: one each, unlabelled
    for n in trace.nodes:
        for e in n.edges:
            if n.name not in hidden and e.operand not in hidden:
                rows.append(_edge_dot(n, e, out))
                continue
            ends = tuple(hidden[x].key if x in hidden else x for x in (e.operand, n.name))
            if ends[0] != ends[1] and ends not in joined:
                joined.add(ends)
                rows.append(f"  {_quote(ends[0])} -> {_quote(ends[1])} [style=dashed];")
    rows.append("}")
    return "\n".join(rows) + "\n"


def _gap_dot(gap: Gap) -> str:
    label = html.escape(gap.text().strip(". "), quote=False)
    attrs = {"label": f"<{label}>", "fillcolor": OPAQUE_FILL, "style": "rounded,filled,dashed"}
    return f"  {_quote(gap.key)} [{_attrs(attrs)}];"


def have_dot() -> bool:
    """Is the Graphviz `dot` program on PATH?"""
    return shutil.which("dot") is not None


def _run_dot(dot_text: str, fmt: str, path: str | None = None) -> bytes:
    if not have_dot():
        raise SymbackError("drawing the graph needs the Graphviz `dot` program", hint=INSTALL_HINT)
    command = ["dot", f"-T{fmt}"] + (["-o", path] if path else [])
    done = subprocess.run(command, input=dot_text.encode(), capture_output=True, check=False)
    if done.returncode != 0:
        raise SymbackInternalError(f"dot rejected the graph: {done.stderr.decode().strip()}")
    return done.stdout


def svg(dot_text: str) -> str:
    """The picture as SVG text."""
    return _run_dot(dot_text, "svg").decode()


def write_picture(dot_text: str, path: str) -> str:
    """Write the picture to `path`, in the format its extension names."""
    ext = os.path.splitext(path)[1].lower()
    if ext not in PICTURE_FORMATS:
        raise SymbackError(
            f"cannot draw the graph as {path!r}: unknown picture format {ext or '(none)'}",
            hint=f"name the file with one of {', '.join(PICTURE_FORMATS)}, or write DOT text",
        )
    _run_dot(dot_text, PICTURE_FORMATS[ext], path)
    return path
