"""symback: readable reverse-mode gradient code for Python/NumPy functions."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Each public name and the module that defines it, imported at the name's first use rather
# than with the package: pytest imports symback.pytest_plugin, and so this file, in every
# project where symback is installed, and SymPy alone takes half a second to import.
_HOMES = {
    "GradientFunction": "gradient",
    "defgrad": "api",
    "grad": "api",
    "value_and_grad": "api",
    "explain": "backprop",
    "generate": "codegen",
    "NonScalarOutputError": "errors",
    "SourceUnavailableError": "errors",
    "SymbackError": "errors",
    "UnknownFunctionError": "errors",
    "UnsupportedSyntaxError": "errors",
    "WrtError": "errors",
    "check": "gradcheck.api",
    "hessian": "outputs",
    "hessian_vector_product": "outputs",
    "jacobian": "outputs",
    "vjp": "outputs",
}

if TYPE_CHECKING:  # what type checkers and editors see (tests/test_package.py keeps it in step)
    from .api import defgrad, grad, value_and_grad
    from .backprop import explain
    from .codegen import generate
    from .errors import (
        NonScalarOutputError,
        SourceUnavailableError,
        SymbackError,
        UnknownFunctionError,
        UnsupportedSyntaxError,
        WrtError,
    )
    from .gradcheck.api import check
    from .gradient import GradientFunction
    from .outputs import hessian, hessian_vector_product, jacobian, vjp


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'symback' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value  # (found directly from now on)
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))


__all__ = [
    "GradientFunction",
    "NonScalarOutputError",
    "SourceUnavailableError",
    "SymbackError",
    "UnknownFunctionError",
    "UnsupportedSyntaxError",
    "WrtError",
    "__version__",
    "check",
    "defgrad",
    "explain",
    "generate",
    "grad",
    "hessian",
    "hessian_vector_product",
    "jacobian",
    "value_and_grad",
    "vjp",
]
