"""symback: readable reverse-mode gradient code for Python/NumPy functions."""

__version__ = "0.1.0"

from .api import (  # noqa: E402
    GradientFunction,
    defgrad,
    grad,
    value_and_grad,
)
from .backprop import explain  # noqa: E402
from .codegen import generate  # noqa: E402
from .errors import (  # noqa: E402
    NonScalarOutputError,
    SourceUnavailableError,
    SymbackError,
    UnknownFunctionError,
    UnsupportedSyntaxError,
    WrtError,
)
from .gradcheck.api import check  # noqa: E402
from .outputs import hessian, hessian_vector_product, jacobian, vjp  # noqa: E402

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
