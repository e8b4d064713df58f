"""Calls `mypy --strict` must refuse (tests/test_typing.py): the gradient keeps f's parameters."""

import symback


@symback.grad
def power(w: float, k: int = 2) -> float:
    return w**k


power("1.5")  # line 11: a str for a float
power(1.5, q=3)  # line 12: no parameter q
symback.hessian(power.__wrapped__)(1.5, 2, 3)  # line 13: one argument too many
symback.grad(power.__wrapped__, has_aux="no")  # line 14: has_aux is a bool
symback.explain(power.__wrapped__, 1.5, k="3")  # line 15: k is an int
