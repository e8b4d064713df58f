"""Test helpers: `assert_grad_close` fails with the full check report as its message."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # (imported when used: the pytest plugin imports this module at startup)
    from .gradcheck.report import CheckReport

# The seed of the random test points when a call gives none; the pytest plugin
# (symback.pytest_plugin, option --symback-seed) sets it for a whole run.
DEFAULT_SEED = 0


def assert_grad_close(
    f: Callable[..., Any],
    grad_f: Callable[..., Any],
    *args: Any,
    wrt: Any = 0,
    seed: int | None = None,
    points: int = 3,
    rtol: float | None = None,
    atol: float | None = None,
    **kwargs: Any,
) -> CheckReport:
    """Assert that `grad_f(*args, **kwargs)` is the gradient of `f` with respect to `wrt`.

    Raises AssertionError whose message is the report (where, what kind of mistake, the
    right gradient) unless the verdict is "correct"; an inconclusive check fails too.
    Returns the report. `seed=None` uses DEFAULT_SEED (see the pytest plugin).
    """
    __tracebackhide__ = True  # pytest: show the caller's line, not this one
    from .gradcheck.api import check

    report = check(
        f,
        grad_f,
        *args,
        wrt=wrt,
        seed=DEFAULT_SEED if seed is None else seed,
        points=points,
        rtol=rtol,
        atol=atol,
        **kwargs,
    )
    if not report:
        raise AssertionError(str(report))
    return report
