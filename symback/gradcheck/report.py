"""The result of checking a gradient: truthy when right, readable when printed, JSON via to_dict."""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field

from ..display import code_markdown, text_html

VERDICTS = ("correct", "wrong", "inconclusive", "error")
SHOWN_ELEMENTS = 8  # rows of the per-element table printed per parameter


@dataclass(frozen=True)
class Element:
    """One gradient element where the user's value and the right one were compared."""

    index: tuple[int, ...]
    expected: float
    got: float
    abs_error: float
    rel_error: float
    exact: float | None = None  # symback's gradient (None when unavailable)
    # the finite-difference gradient (None when not computed)
    numerical: float | None = None
    numerical_error: float | None = None  # its error estimate


@dataclass(frozen=True)
class ParameterResult:
    """How one parameter's gradient compared: a summary, and the worst elements first."""

    name: str
    shape: tuple[int, ...]
    # all right, some wrong, all wrong, wrong shape, missing, undefined, ...
    status: str
    wrong: int  # elements wrong at the point the table shows
    total: int
    elements: tuple[Element, ...] = ()  # worst first
    at: str = "the given point"  # where `elements` were compared
    got_shape: tuple[int, ...] | None = None
    undefined: tuple[tuple[int, ...], ...] = ()  # where the reference is NaN
    disagree: tuple[tuple[int, ...], ...] = ()  # where the two references differ

    def label(self, index: tuple[int, ...]) -> str:
        return self.name if not index else f"{self.name}[{', '.join(map(str, index))}]"


@dataclass(frozen=True)
class Finding:
    """A named kind of mistake, found consistently over the points tested."""

    kind: str  # sign, factor, transposed, reshaped, axis, swapped, point only, missing term, ...
    parameters: tuple[str, ...]
    message: str  # reads after the parameter name: "w: <message>"
    term: str | None = None  # the symbolic term involved, for term mistakes


@dataclass(frozen=True)
class References:
    """What the user's gradient was compared with, and whether the two references agree."""

    exact: bool  # symback differentiated f
    numerical: bool
    agree: bool | None  # None when only one reference was available
    max_difference: float | None = None  # between the two, at the given point
    exact_unavailable: str | None = None  # why symback could not differentiate f


@dataclass
class CheckReport:
    """Everything a check found; `bool(report)` is True only when the gradient is right."""

    function: str
    gradient: str
    wrt: tuple[str, ...]
    verdict: str
    parameters: tuple[ParameterResult, ...] = ()
    findings: tuple[Finding, ...] = ()
    references: References | None = None
    # parameter -> d f / d parameter
    formulas: dict[str, str] = field(default_factory=dict)
    sizes: dict[str, str] = field(default_factory=dict)  # N -> what it is the size of
    code: str | None = None  # symback's gradient source, to paste
    seed: int | None = None
    points: int = 0  # random points tested besides the given one
    notes: tuple[str, ...] = ()

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, not {self.verdict!r}")

    def __bool__(self) -> bool:
        return self.verdict == "correct"

    def __str__(self) -> str:
        return render(self)

    def __repr__(self) -> str:
        """One line: the verdict and what was compared (str() is the whole report)."""
        points = f", {self.points} random points" if self.points else ""
        return (
            f"<CheckReport {self.verdict}: {self.gradient} as the gradient of {self.function} "
            f"with respect to {', '.join(self.wrt)}{points}>"
        )

    def _repr_html_(self) -> str:
        """Notebooks: the report as printed, not the dataclass's fields."""
        return text_html(render(self))

    def _repr_markdown_(self) -> str:
        return code_markdown(render(self), language="text")

    def to_dict(self) -> dict:
        """Plain JSON types only; non-finite numbers become the strings "nan", "inf", "-inf"."""
        return _json(
            {
                "verdict": self.verdict,
                "function": self.function,
                "gradient": self.gradient,
                "wrt": list(self.wrt),
                "parameters": [_parameter_dict(p) for p in self.parameters],
                "findings": [
                    {
                        "kind": f.kind,
                        "parameters": list(f.parameters),
                        "message": f.message,
                        "term": f.term,
                    }
                    for f in self.findings
                ],
                "references": (None if self.references is None else vars(self.references)),
                "formulas": dict(self.formulas),
                "sizes": dict(self.sizes),
                "code": self.code,
                "seed": self.seed,
                "points": self.points,
                "notes": list(self.notes),
            }
        )


def _parameter_dict(p: ParameterResult) -> dict:
    return {
        "name": p.name,
        "shape": list(p.shape),
        "status": p.status,
        "wrong": p.wrong,
        "total": p.total,
        "at": p.at,
        "got_shape": None if p.got_shape is None else list(p.got_shape),
        "elements": [dict(vars(e), index=list(e.index)) for e in p.elements],
        "undefined": [list(i) for i in p.undefined],
        "disagree": [list(i) for i in p.disagree],
    }


def _json(value):
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return value


# ---------------------------------------------------------------------------------- rendering

HEADLINES = {
    "correct": "{gradient} is correct: it matches the gradient of {function}",
    "wrong": "{gradient} is WRONG: it differs from the gradient of {function}",
    "inconclusive": "INCONCLUSIVE: cannot tell whether {gradient} is the gradient of {function}",
    "error": "ERROR: could not check {gradient} against the gradient of {function}",
}


def render(report: CheckReport) -> str:
    """The report as text, most important first: verdict, where, what kind, the right answer."""
    wrt = ", ".join(report.wrt)
    lines = [
        "symback check: "
        + HEADLINES[report.verdict].format(gradient=report.gradient, function=report.function)
        + f" with respect to {wrt}",
    ]
    if report.parameters:
        lines.append("")
    for p in report.parameters:
        lines += _render_parameter(p)
    if report.findings:
        lines += ["", "what kind of mistake:"]
        for f in report.findings:
            lines += _wrapped(f"{' and '.join(f.parameters)}: {f.message}", "  ", "    ")
    if report.notes:
        lines += ["", "notes:"]
        for note in report.notes:
            lines += _wrapped(note, "  - ", "    ")
    if report.verdict != "correct" and (report.formulas or report.code):
        lines += [
            "",
            ("the right gradient:" if report.verdict == "wrong" else "symback's gradient:"),
        ]
        for name, text in report.formulas.items():
            lines += _wrapped(f"d {report.function}/d {name} = {text}", "  ", "      ")
        for symbol, what in report.sizes.items():
            lines.append(f"    where {symbol} = {what}")
        if report.code:
            lines += ["  as code (symback.grad(...).source):", ""]
            lines += ["    " + line if line else "" for line in report.code.rstrip().splitlines()]
    if report.verdict != "error":
        lines += ["", _render_references(report)]
    return "\n".join(lines)


def _render_parameter(p: ParameterResult) -> list[str]:
    shape = "scalar" if not p.shape else f"shape {p.shape}"
    status = "no gradient returned" if p.status == "missing" else p.status
    head = f"{p.name} ({shape}): {status}"
    if p.wrong and p.status != "wrong shape" and p.status != "missing":
        head += f", {p.wrong} of {p.total} element{'s' if p.total != 1 else ''} wrong"
        if p.at != "the given point":
            head += f" at {p.at}"
    if p.got_shape is not None and p.got_shape != p.shape:
        head += f" (returned shape {p.got_shape})"
    lines = [head]
    if p.undefined:
        lines += _wrapped(
            f"the reference is NaN or infinite at {_labels(p, p.undefined)}: f is not "
            "differentiable (or not defined) there, so those elements are not compared",
            "    ",
            "      ",
        )
    if p.elements:
        shown = p.elements[:SHOWN_ELEMENTS]
        if p.disagree:  # no truth to compare with: show both references
            header = (
                "element",
                "got",
                "exact (symback)",
                "numerical",
                "its error estimate",
            )
            rows = [
                (
                    p.label(e.index),
                    _num(e.got),
                    _num(e.exact),
                    _num(e.numerical),
                    _num(e.numerical_error, 2),
                )
                for e in shown
            ]
        else:
            header = ("element", "expected", "got", "abs error", "rel error")
            rows = [
                (
                    p.label(e.index),
                    _num(e.expected),
                    _num(e.got),
                    _num(e.abs_error, 2),
                    _num(e.rel_error, 2),
                )
                for e in shown
            ]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            lines.append("    " + "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
        if len(p.elements) > SHOWN_ELEMENTS:
            lines.append(f"    ... and {len(p.elements) - SHOWN_ELEMENTS} more")
    return lines


def _render_references(report: CheckReport) -> str:
    r = report.references
    where = "the given point"
    if report.points:
        where += f" and {report.points} random point{'s' if report.points != 1 else ''} nearby"
        where += f" (seed {report.seed})"
    if r is None:
        return f"checked at {where}"
    if r.exact and r.numerical:
        how = "exact (symback) and numerical (Richardson central differences) references"
        if r.agree:
            how += f" agree (largest difference {_num(r.max_difference, 2)})"
        else:
            how += f" DISAGREE (largest difference {_num(r.max_difference, 2)})"
    elif r.numerical:
        how = "numerical reference only (Richardson central differences)"
    else:
        how = "exact reference only (symback)"
    return "\n".join(_wrapped(f"checked at {where}; {how}", "", "  "))


def _labels(p: ParameterResult, indices) -> str:
    shown = ", ".join(p.label(i) for i in indices[:6])
    return shown + (f" and {len(indices) - 6} more" if len(indices) > 6 else "")


def _num(value: float | None, digits: int = 7) -> str:
    if value is None:
        return "-"
    return f"{value:.{digits}g}"


def _wrapped(text: str, first: str, rest: str, width: int = 92) -> list[str]:
    return textwrap.wrap(
        text,
        width,
        initial_indent=first,
        subsequent_indent=rest,
        break_on_hyphens=False,
        break_long_words=False,
    ) or [first]
