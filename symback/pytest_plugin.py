"""pytest plugin: --symback-seed for the random points of gradient checks, and a fixture.

pytest loads it by itself wherever symback is installed (a pytest11 entry point), so it
imports nothing heavy: symback's pipeline and SymPy load only when a test uses them.
`--symback-seed=N` makes every `assert_grad_close` without an explicit seed use N (default 0);
`--symback-seed=random` picks one for the run. The seed is printed in pytest's header only
when the option is given (or SYMBACK_PYTEST_HEADER=1), so a failure can be reproduced.
"""

from __future__ import annotations

import os
import random

import pytest

from . import testing

HEADER_VARIABLE = "SYMBACK_PYTEST_HEADER"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("symback", "symback gradient checks")
    group.addoption(
        "--symback-seed",
        action="store",
        default=None,
        metavar="N|random",
        help="seed of the random points symback's gradient checks test (default 0); "
        "'random' picks one; either way it is shown in the header",
    )


def pytest_configure(config: pytest.Config) -> None:
    text = config.getoption("symback_seed")
    if text == "random":
        seed = random.SystemRandom().randrange(2**32)
    else:
        try:
            seed = int("0" if text is None else text)
        except ValueError:
            raise pytest.UsageError(
                f"--symback-seed takes an integer or 'random', not {text!r}"
            ) from None
    config._symback_previous_seed = testing.DEFAULT_SEED  # type: ignore[attr-defined]
    testing.DEFAULT_SEED = seed


def pytest_unconfigure(config: pytest.Config) -> None:
    if hasattr(config, "_symback_previous_seed"):
        testing.DEFAULT_SEED = config._symback_previous_seed


def pytest_report_header(config: pytest.Config) -> str | None:
    asked = config.getoption("symback_seed") is not None
    if not asked and os.environ.get(HEADER_VARIABLE, "") in ("", "0"):
        return None  # (a line in every project's test run, most of which never check a gradient)
    seed = testing.DEFAULT_SEED
    return f"symback seed: {seed} (reproduce with --symback-seed={seed})"


@pytest.fixture
def symback_seed() -> int:
    """The seed of this run's gradient checks (--symback-seed)."""
    return testing.DEFAULT_SEED
