"""Derivatives of more than one number: hessian, vjp and jacobian, built on grad.

Each is reverse mode: a Hessian is one Hessian-vector product (reverse over reverse) per
element of the parameters, a vector-Jacobian product is the gradient of `sum(f(...) * ct)`
(symback inlines `f` into that one-line function, so the output may be any array), and a
Jacobian is one vector-Jacobian product per element of the output.
"""

from __future__ import annotations

import inspect

import numpy

from .api import _fresh_name, grad, hessian_vector_product, spelled_wrt
from .backend.load import load
from .errors import SymbackError


def hessian(fn, *, wrt=0, argnums=None):
    """H(*args): the Hessian of `fn`. With one parameter, an array of shape x.shape +
    x.shape; with a tuple `wrt` (a, b), JAX's nesting: H[i][j] is d2f / da_i da_j, of shape
    a_i.shape + a_j.shape."""
    wrt = spelled_wrt(wrt, argnums)
    several = isinstance(wrt, (tuple, list))
    hvp = hessian_vector_product(fn, wrt=wrt)
    signature = inspect.signature(fn)
    count = len(hvp.wrt)
    directions = list(inspect.signature(hvp.__wrapped__).parameters)[-count:]

    def hessian_of(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        points = [numpy.asarray(bound.arguments[name], dtype=float) for name in hvp.wrt]
        # columns[j][i]: d(grad_i) / d(x_j), one Hessian-vector product per element of x_j
        columns = []
        for j, x in enumerate(points):
            rows = []
            for k in range(x.size):
                arguments = dict(bound.arguments)
                for i, (name, y) in enumerate(zip(directions, points)):
                    basis = numpy.zeros(y.size)
                    if i == j:
                        basis[k] = 1.0
                    arguments[name] = basis.reshape(y.shape)
                products = hvp(**arguments)
                rows.append(products if several else (products,))
            columns.append(
                [
                    numpy.moveaxis(
                        numpy.array([numpy.reshape(r[i], -1) for r in rows]).reshape(
                            x.shape + y.shape
                        ),
                        list(range(x.ndim)),
                        list(range(y.ndim, y.ndim + x.ndim)),
                    )
                    for i, y in enumerate(points)
                ]
            )
        blocks = tuple(tuple(columns[j][i] for j in range(count)) for i in range(count))
        return blocks if several else blocks[0][0]

    hessian_of.__name__ = f"hessian_{fn.__name__}"
    return hessian_of


def _vjp_function(fn, wrt):
    """grad of `np.sum(fn(...) * ct)`, a function symback generates and differentiates."""
    signature = inspect.signature(fn).parameters
    params = list(signature)
    direction = _fresh_name("ct", params)
    np_name = _fresh_name("np", params)
    fn_name = _fresh_name(fn.__name__, params)
    defaults = any(p.default is not inspect.Parameter.empty for p in signature.values())
    listed = ", ".join(str(p.replace(annotation=p.empty)) for p in signature.values())
    call = ", ".join(f"{p}={p}" for p in params)
    source = (
        f"def vjp_{fn.__name__}({listed}, {'*, ' if defaults else ''}{direction}):\n"
        f"    return {np_name}.sum({fn_name}({call}) * {direction})\n"
    )
    namespace = load(source, f"vjp_{fn.__name__}")
    namespace.update({np_name: numpy, fn_name: getattr(fn, "__symback_function__", fn)})
    return grad(namespace[f"vjp_{fn.__name__}"], wrt=wrt), direction


def vjp(fn, *args, wrt=None, argnums=None, **kwargs):
    """(fn(*args, **kwargs), vjp_fn): vjp_fn(ct) is ct's product with the Jacobian of the
    output with respect to `wrt`, one array per parameter, in a tuple when `wrt` is a tuple.
    By default `wrt` is every positional argument given (as `jax.vjp`: a tuple)."""
    if argnums is not None:
        wrt = spelled_wrt(0 if wrt is None else wrt, argnums)
    elif wrt is None:
        wrt = tuple(range(len(args)))
    out = fn(*args, **kwargs)
    gradient, direction = _vjp_function(fn, wrt)

    def vjp_fn(ct):
        if numpy.shape(ct) != numpy.shape(out):
            raise SymbackError(
                f"the cotangent has shape {numpy.shape(ct)}, the output {numpy.shape(out)}",
                hint="pass an array of the output's shape",
            )
        return gradient(*args, **kwargs, **{direction: ct})

    return out, vjp_fn


def jacobian(fn, *, wrt=0, argnums=None):
    """J(*args): the Jacobian of `fn`'s output with respect to `wrt`, of shape
    output.shape + x.shape (a tuple of them for a tuple `wrt`), one vector-Jacobian product
    per element of the output (reverse mode, as `jax.jacrev`)."""
    wrt = spelled_wrt(wrt, argnums)
    several = isinstance(wrt, (tuple, list))
    made: dict = {}

    def jacobian_of(*args, **kwargs):
        out = numpy.asarray(fn(*args, **kwargs))
        if "gradient" not in made:
            made["gradient"], made["direction"] = _vjp_function(fn, wrt)
        gradient, direction = made["gradient"], made["direction"]
        rows = []
        for k in range(out.size):
            basis = numpy.zeros(out.size)
            basis[k] = 1.0
            row = gradient(*args, **kwargs, **{direction: basis.reshape(out.shape)})
            rows.append(row if several else (row,))
        parts = []
        for i in range(len(rows[0]) if rows else 0):
            shape = numpy.shape(rows[0][i])
            parts.append(numpy.array([r[i] for r in rows], dtype=float).reshape(out.shape + shape))
        return tuple(parts) if several else parts[0]

    jacobian_of.__name__ = f"jacobian_{fn.__name__}"
    return jacobian_of
