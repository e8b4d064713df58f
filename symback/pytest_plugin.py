"""pytest plugin: --symback-seed for the random points of gradient checks, and a fixture.

pytest loads it by itself wherever symback is installed (a pytest11 entry point).
`--symback-seed=N` makes every `assert_grad_close` without an explicit seed use N (default 0);
`--symback-seed=random` picks one for the run and prints it in the header, so a failure can
be reproduced with that number.
"""

from __future__ import annotations

import random

import pytest

from . import testing


def pytest_addoption(parser):
    group = parser.getgroup("symback", "symback gradient checks")
    group.addoption(
        "--symback-seed",
        action="store",
        default="0",
        metavar="N|random",
        help="seed of the random points symback's gradient checks test (default 0); "
        "'random' picks one and prints it",
    )


def pytest_configure(config):
    text = config.getoption("symback_seed")
    if text == "random":
        seed = random.SystemRandom().randrange(2**32)
    else:
        try:
            seed = int(text)
        except ValueError:
            raise pytest.UsageError(
                f"--symback-seed takes an integer or 'random', not {text!r}"
            ) from None
    config._symback_previous_seed = testing.DEFAULT_SEED
    testing.DEFAULT_SEED = seed


def pytest_unconfigure(config):
    if hasattr(config, "_symback_previous_seed"):
        testing.DEFAULT_SEED = config._symback_previous_seed


def pytest_report_header(config):
    return f"symback seed: {testing.DEFAULT_SEED} (reproduce with --symback-seed={testing.DEFAULT_SEED})"


@pytest.fixture
def symback_seed() -> int:
    """The seed of this run's gradient checks (--symback-seed)."""
    return testing.DEFAULT_SEED
