"""value_and_grad's value is the function's own, bit for bit, at ordinary and extreme points.

Every entry of every zoo, at its own arguments and at those arguments scaled (overflow,
negative values outside a domain, tiny values, nan): the value must be what calling the
function gives, with the same dtype, nan where it is nan (a SymPy rewrite of the forward
expression, `np.sqrt(x)**2` as `x`, would give a number), or an exception where it raises.
"""

import copy
import inspect
import signal
import warnings

import numpy as np
import pytest

import symback
from symback.errors import ComplexOutputError, SingularMatrixError
from tests import array_zoo, control_zoo, writes_zoo, zoo


def sqrt_squared(x):
    return np.sum(np.sqrt(x) ** 2)


def log_of_exp(x):
    return np.log(np.exp(x))


def cancelled_shift(x):
    return (x + 1e16) - 1e16


def shift_then_sum(x):
    y = x * 1.0 + 0.0
    return np.sum(np.exp(y) / np.exp(y))


FOLDED = [  # forward expressions SymPy folds (to x, or to a constant)
    (sqrt_squared, (np.array([-1.0, 4.0]),), 0),
    (log_of_exp, (1000.0,), 0),
    (cancelled_shift, (1.0,), 0),
    (shift_then_sum, (np.array([800.0, 1.0]),), 0),
]
ENTRIES = (
    [("folded", e) for e in FOLDED]
    + [("zoo", e) for e in zoo.ZOO]
    + [("arrays", e) for e in array_zoo.ARRAY_ZOO]
    + [("control", e) for e in control_zoo.ZOO]
    + [("writes", e) for e in writes_zoo.ZOO]
)
IDS = [f"{kind}-{i}-{e[0].__name__}" for i, (kind, e) in enumerate(ENTRIES)]
# factors the float arguments are multiplied by: the zoo's own point, past the overflow of
# exp and of squares, negative (outside sqrt's and log's domain), tiny, nan
SCALES = (1.0, -1.0, 1e3, 1e155, -1e-300, np.nan)
SECONDS = 2  # a loop run to convergence may not end at an extreme point: skip that point


def _scaled(value, factor):
    if isinstance(value, float):
        return value * factor
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value * factor
    return value


class _TooLong(Exception):
    pass


def _alarm(signum, frame):
    raise _TooLong


def _outcome(call):
    """(the value, None) or (None, the exception's type)."""
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(SECONDS)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return call(), None
    except _TooLong:
        pytest.skip("the function itself runs too long at an extreme point")
    except symback.SymbackError:
        raise
    except Exception as exc:  # noqa: BLE001 - the function's own exception, compared below
        return None, type(exc)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_value_is_the_functions_own_bit_for_bit(entry):
    kind, (f, args, wrt) = entry
    kwargs = dict(zoo.KWARGS.get(f.__name__, {})) if kind == "zoo" else {}
    g = symback.value_and_grad(f, wrt=wrt)
    compared = 0
    for factor in SCALES:
        point = tuple(_scaled(a, factor) for a in args)
        expected, raised = _outcome(
            lambda point=point: f(*copy.deepcopy(point), **copy.deepcopy(kwargs))
        )
        if raised is None and np.iscomplexobj(expected):  # (a negative float ** 0.5)
            with pytest.raises(ComplexOutputError, match="complex"):
                _outcome(lambda point=point: g(*point, **kwargs))
            continue
        try:
            pair, pair_raised = _outcome(lambda point=point: g(*point, **kwargs))
        except SingularMatrixError:  # det's gradient at a matrix that underflowed to singular
            assert raised is None and "det" in getattr(f, "__name__", "") + inspect.getsource(f)
            continue
        if raised is not None:
            assert (
                pair_raised is not None
            ), f"f raised {raised.__name__} at x{factor}, the pair did not"
            continue
        assert pair_raised is None, f"at x{factor} the pair raised {pair_raised.__name__}"
        value = pair[0]
        assert np.asarray(value).dtype == np.asarray(expected).dtype, factor
        assert np.array_equal(
            value, expected, equal_nan=True
        ), f"at x{factor}: value {value!r}, the function gives {expected!r}"
        _gradient_is_numpys(g, point, kwargs, pair[1], factor)
        compared += 1
    assert compared, "the function raised at every point"


def _gradient_is_numpys(g, point, kwargs, gradient, factor):
    """On Python floats, where Python's arithmetic raises (0.2 / x**2 once x**2 underflows,
    x**1.5 past 1e308), the gradient is what NumPy's float64 arithmetic gives (inf, nan): the
    general code run on the same numbers as np.float64 values, where that runs."""
    if not any(type(a) is float for a in point):
        return
    as_numpy = tuple(np.float64(a) if type(a) is float else a for a in point)
    reference, raised = _outcome(lambda: g.function(*as_numpy, **kwargs)[1])
    if raised is not None:  # (math's functions raise on np.float64 values too)
        return
    for got, want in zip(*(r if isinstance(r, tuple) else (r,) for r in (gradient, reference))):
        np.testing.assert_allclose(
            got, want, rtol=1e-9, atol=0, equal_nan=True, err_msg=f"gradient at x{factor}"
        )
