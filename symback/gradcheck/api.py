"""`check(f, grad_f, *args)`: compare a hand-written gradient with symback's and a numerical one.

At the given point every element is compared with two references, symback's exact gradient
and Richardson central differences (with an error estimate), evaluated in float64 on copies.
If the references disagree the verdict is "inconclusive": the user is never blamed on
uncertain evidence. Then a few random points near the given one (small relative
perturbations, seeded, kept where both references agree, so away from kinks and outside
domains) show whether a mistake is systematic, and `diagnose` names it.
"""

from __future__ import annotations

import copy
import inspect
import warnings
from collections.abc import Callable
from typing import Any, ParamSpec

import numpy as np

from ..errors import SymbackError, WrtError, user_facing
from ..trees import is_tree
from . import formula
from .compare import (
    PERTURBATIONS,
    ReferenceTable,
    Sample,
    as_float,
    choose_tolerance,
    first_wrong,
    perturb,
)
from .diagnose import Evidence, diagnose
from .numerical import directional_derivative, float64_copy, numerical_gradient_with_error
from .report import CheckReport, References

P = ParamSpec("P")  # f's parameters: its gradient takes the same


@user_facing
def check(
    f: Callable[P, Any],
    grad_f: Callable[P, Any],
    *args: Any,
    wrt: Any = 0,
    seed: int | None = 0,
    points: int = 3,
    rtol: float | None = None,
    atol: float | None = None,
    **kwargs: Any,
) -> CheckReport:
    """Check `grad_f(*args, **kwargs)` against the gradient of `f` with respect to `wrt`.

    `grad_f` takes the same arguments as `f` and returns one gradient, or a tuple in the
    order of `wrt` (a parameter name or index, or a tuple of them). `points` random points
    near the given one are also tested (`seed` makes them reproducible; None picks a fresh
    seed, shown in the report). `rtol`/`atol` override the tolerance (by default 1e-6
    relative for float64 inputs, 1e-3 for float32 ones). The inputs are never modified.
    """
    f = getattr(f, "__wrapped__", f) if _is_symback_gradient(f) else f
    signature = inspect.signature(f)
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError as exc:
        raise TypeError(f"the arguments do not fit {f.__name__}{signature}: {exc}") from None
    bound.apply_defaults()
    names, single = resolve_wrt(wrt, signature, f.__name__)
    for name in names:
        if is_tree(bound.arguments[name]) and not _numbers(bound.arguments[name]):
            raise SymbackError(
                f"check compares gradients of arrays and numbers; `{name}` is a parameter "
                f"tree ({type(bound.arguments[name]).__name__}), which it does not take yet",
                hint="check a version of the function taking the leaves as parameters "
                "(symback.grad differentiates trees)",
            )
    given = {
        name: as_float(value) if name in names else copy.deepcopy(value)
        for name, value in bound.arguments.items()
    }
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % 2**32)
    job = _Job(f, grad_f, signature, names, single)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return job.run(given, seed, points, rtol, atol)


def _numbers(value) -> bool:
    """A list or tuple of numbers (an array written as a list), not a tree of arrays."""
    return (
        isinstance(value, (list, tuple))
        and not hasattr(type(value), "_fields")
        and all(isinstance(v, (int, float)) for v in value)
    )


def resolve_wrt(wrt, signature: inspect.Signature, fname: str) -> tuple[tuple[str, ...], bool]:
    """The parameter names `wrt` means, and whether it was a single one (not a tuple)."""
    params = [
        p.name
        for p in signature.parameters.values()
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    single = not isinstance(wrt, (tuple, list))
    chosen = []
    for item in [wrt] if single else list(wrt):
        if (
            isinstance(item, int)
            and not isinstance(item, bool)
            and -len(params) <= item < len(params)
        ):
            item = params[item]
        if not isinstance(item, str) or item not in params:
            raise WrtError(
                f"wrt={item!r} names no parameter of {fname}; its parameters are "
                f"{', '.join(params) or '(none)'}"
            )
        chosen.append(item)
    if not chosen or len(set(chosen)) != len(chosen):
        raise WrtError(f"wrt={wrt!r} must name one or more different parameters of {fname}")
    return tuple(chosen), single


class _Job:
    """One check: the functions, what to differentiate, and the references once built."""

    def __init__(self, f, grad_f, signature, names, single):
        self.f, self.grad_f, self.signature = f, grad_f, signature
        self.names, self.single = names, single
        self.exact, self.unavailable = _exact_gradient(f, names, single)
        self.formulas = None  # built at the given point: see run
        self.notes: list[str] = []
        self.low_precision = False  # the user's gradient came back in float32 (or less)

    def call(self, fn, arguments: dict, float64: bool = False):
        values = {
            k: (float64_copy(v) if float64 else copy.deepcopy(v)) for k, v in arguments.items()
        }
        bound = inspect.BoundArguments(self.signature, values)
        return fn(*bound.args, **bound.kwargs)

    def report(self, verdict: str, **fields) -> CheckReport:
        return CheckReport(
            function=self.f.__name__,
            gradient=getattr(self.grad_f, "__name__", type(self.grad_f).__name__),
            wrt=self.names,
            verdict=verdict,
            formulas=(
                {n: self.formulas.gradient_text(n) for n in self.names} if self.formulas else {}
            ),
            sizes=self.formulas.sizes if self.formulas else {},
            code=self.exact.source if self.exact is not None else None,
            notes=tuple(self.notes),
            **fields,
        )

    def run(self, given: dict, seed: int, points: int, rtol, atol) -> CheckReport:
        problem = self.function_problem(given)
        if problem:
            self.notes.append(problem)
            return self.report("error", seed=seed)
        truth, refs, tables = self.given_point(given)
        if self.exact is not None:
            self.formulas = _formulas(self.f, self.names, given)
        got, problem = self.user_gradient(given)
        tolerance = choose_tolerance(given, self.names, self.low_precision, rtol, atol)
        if problem:
            self.notes.append(problem)
        if self.unavailable:
            self.notes.append(
                f"symback cannot differentiate {self.f.__name__}, so the only "
                f"reference is numerical: {self.unavailable}"
            )
        params = [tables[n].compare(got[n], tolerance) for n in self.names]
        if problem:  # nothing to diagnose: the user's gradient gave no numbers
            return self.report("wrong", parameters=tuple(params), references=refs, seed=seed)
        if refs.agree is False:
            self.notes.append(
                "the exact and numerical references disagree at the given point "
                "(a kink, a discontinuity, or f is not smooth there): try another "
                "point"
            )
            return self.report("inconclusive", parameters=tuple(params), references=refs, seed=seed)
        if all(t.undefined_everywhere for t in tables.values()):
            self.notes.append("the gradient is undefined (NaN) at the given point: try another")
            return self.report("inconclusive", parameters=tuple(params), references=refs, seed=seed)
        wrong_here = {n: p.status != "all right" for n, p in zip(self.names, params)}
        base = Sample(given, truth, got, wrong_here, given=True)
        samples = [base] + self.random_samples(given, seed, points, tolerance)
        params = [first_wrong(p, n, samples, tolerance) for n, p in zip(self.names, params)]
        evidence = Evidence(
            self.names,
            tuple(samples),
            tolerance,
            self.sizes(given),
            self.formulas.terms if self.formulas else {},
        )
        wrong = any(any(s.wrong.values()) for s in samples)
        findings = tuple(diagnose(evidence)) if wrong else ()
        return self.report(
            "wrong" if wrong else "correct",
            parameters=tuple(params),
            findings=findings,
            references=refs,
            seed=seed,
            points=len(samples) - 1,
        )

    def function_problem(self, given: dict) -> str | None:
        """Why f itself cannot be checked at the given point, or None."""
        try:
            value = self.call(self.f, given, float64=True)
        except Exception as exc:  # noqa: BLE001 - the user's function, any error
            return f"{self.f.__name__} raised {type(exc).__name__}: {exc}"
        if np.ndim(value) != 0:
            return (
                f"{self.f.__name__} returned shape {np.shape(value)}, but only a scalar "
                "function has a gradient"
            )
        return None

    def given_point(self, given: dict):
        """The truth at the given point, how the references compare, and one table a parameter."""
        exact = self.exact_values(given)
        bound = inspect.BoundArguments(
            self.signature, {k: float64_copy(v) for k, v in given.items()}
        )
        numerical, errors = numerical_gradient_with_error(
            self.f, bound.args, bound.kwargs, wrt=self.names
        )
        tables = {
            n: ReferenceTable(
                n,
                np.shape(given[n]),
                None if exact is None else exact[n],
                np.asarray(numerical[i], np.float64),
                np.asarray(errors[i], np.float64),
            )
            for i, n in enumerate(self.names)
        }
        agree = None if exact is None else not any(t.disagree.any() for t in tables.values())
        biggest = max((t.difference for t in tables.values()), default=None)
        refs = References(
            exact is not None,
            True,
            agree,
            None if exact is None else biggest,
            self.unavailable,
        )
        return {n: t.truth for n, t in tables.items()}, refs, tables

    def exact_values(self, arguments: dict) -> dict[str, np.ndarray] | None:
        if self.exact is None:
            return None
        try:
            result = self.call(self.exact, arguments, float64=True)
        except SymbackError as exc:
            self.exact, self.unavailable = None, _first_line(exc)
            return None
        except Exception as exc:  # noqa: BLE001 - a symback bug must not stop the check
            self.exact, self.unavailable = None, _bug(exc)
            return None
        result = (result,) if self.single else result
        return {n: np.asarray(r, np.float64) for n, r in zip(self.names, result)}

    def user_gradient(self, arguments: dict) -> tuple[dict, str | None]:
        """The user's gradient per parameter (float64 arrays, None if missing), and a problem."""
        empty = {n: None for n in self.names}
        try:
            result = self.call(self.grad_f, arguments)
        except Exception as exc:  # noqa: BLE001 - the user's gradient, any error
            return empty, f"the gradient function raised {type(exc).__name__}: {exc}"
        one_in_a_tuple = isinstance(result, (tuple, list)) and len(result) == 1
        if not self.single and len(self.names) == 1 and not one_in_a_tuple:
            result = (result,)  # wrt=("x",): the one gradient, bare, is as clear as in a tuple
        if not self.single:
            if not isinstance(result, (tuple, list)) or len(result) != len(self.names):
                count = len(result) if isinstance(result, (tuple, list)) else 1
                return empty, (
                    f"the gradient function returned {count} value(s), but wrt names "
                    f"{len(self.names)}: {', '.join(self.names)}"
                )
            result = list(result)
        else:
            result = [result]
        out = {}
        for n, r in zip(self.names, result):
            try:
                raw = np.asarray(r)
                out[n] = raw.astype(np.float64)
            except (TypeError, ValueError):
                hint = " (a tuple? wrt names one parameter)" if isinstance(r, tuple) else ""
                return (
                    empty,
                    f"the gradient for {n} is not an array of numbers{hint}: {r!r:.80}",
                )
            if np.issubdtype(raw.dtype, np.floating) and raw.dtype.itemsize < 8:
                self.low_precision = True
        return out, None

    def random_samples(self, given: dict, seed: int, points: int, tolerance) -> list[Sample]:
        rng = np.random.default_rng(seed)
        samples = []
        for i in range(points):
            for size, zeros in PERTURBATIONS:
                arguments = perturb(given, rng, size, zeros)
                truth = self.truth_at(arguments, rng)
                if truth is not None:
                    break
            else:
                self.notes.append(
                    f"random point {i + 1}: found no nearby point where f is "
                    "smooth (the references disagree or are NaN); skipped"
                )
                continue
            got, problem = self.user_gradient(arguments)
            wrong = {
                n: problem is not None or not tolerance.matches(truth[n], got[n])
                for n in self.names
            }
            samples.append(Sample(arguments, truth, got, wrong))
        return samples

    def truth_at(self, arguments: dict, rng) -> dict[str, np.ndarray] | None:
        """The right gradient at a random point, or None if the references disagree there."""
        if self.function_problem(arguments):
            return None
        exact = self.exact_values(arguments)
        bound = inspect.BoundArguments(
            self.signature, {k: float64_copy(v) for k, v in arguments.items()}
        )
        if exact is None:  # numerical only: every element, and its error must be small
            grads, errors = numerical_gradient_with_error(
                self.f, bound.args, bound.kwargs, wrt=self.names
            )
            truth = {n: np.asarray(g, np.float64) for n, g in zip(self.names, grads)}
            ok = all(
                np.all(np.isfinite(g)) and np.all(np.asarray(e) <= 1e-4 * (np.abs(g) + 1))
                for g, e in zip(truth.values(), errors)
            )
            return truth if ok else None
        for n in self.names:  # exact: confirm along one random direction (cheap)
            g = exact[n]
            if not np.all(np.isfinite(g)):
                return None
            v = rng.standard_normal(np.shape(g))
            d = directional_derivative(self.f, bound.args, bound.kwargs, n, v)
            if abs(d - float(np.sum(g * v))) > 1e-5 * float(np.sum(np.abs(g * v))) + 1e-8:
                return None
        return exact

    def sizes(self, given: dict) -> dict[int, str]:
        """Counts a wrong factor may be: sizes in the formula, then array sizes and lengths."""
        out: dict[int, str] = {}
        if self.formulas:
            for symbol, size in self.formulas.sizes.items():
                value = self.formulas.size_value(symbol, given)
                if value is not None:
                    out.setdefault(value, f"the size of {size.removeprefix('size(')[:-1]}")
        for name, value in given.items():
            if isinstance(value, np.ndarray) and value.ndim:
                out.setdefault(value.size, f"the size of {name}")
                if value.ndim > 1:
                    for axis, length in enumerate(value.shape):
                        out.setdefault(length, f"the length of axis {axis} of {name}")
        return out


def _exact_gradient(f, names, single: bool):
    """symback's gradient of f (with a source to show), or None and why not."""
    from ..api import grad

    try:
        # in the user's form (its code is shown): one gradient, or a tuple however many
        return grad(f, wrt=names[0] if single else tuple(names)), None
    except SymbackError as exc:
        return None, _first_line(exc)
    except Exception as exc:  # noqa: BLE001 - a symback bug must not stop the check
        return None, _bug(exc)


def _formulas(f, names, given) -> formula.Formulas | None:
    """The symbolic gradient, for showing and for naming missing terms (None if not sensible)."""
    try:
        return formula.formulas(f, names, {k: float64_copy(v) for k, v in given.items()})
    except Exception:  # noqa: BLE001 - a nicety: the check goes on without it
        return None


def _bug(exc: Exception) -> str:
    return (
        f"symback failed with {type(exc).__name__}: {_first_line(exc)} "
        "(a bug in symback: please report it)"
    )


def _is_symback_gradient(f) -> bool:
    from ..gradient import GradientFunction

    return isinstance(f, GradientFunction)


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
