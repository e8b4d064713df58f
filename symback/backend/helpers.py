"""Module-level helper functions that generated gradients may call, emitted only when used.

Each is a template over `{np}` and the helpers' own names (chosen by adjoint.naming so that
none collides with the user's names), with the helpers it calls in turn.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Helper:
    text: str
    needs: tuple[str, ...] = ()


HELPERS: dict[str, Helper] = {
    "unbroadcast": Helper('''def {unbroadcast}(g, like):
    """Sum g over the axes NumPy broadcast it along, so that it has the shape of `like`."""
    if isinstance(like, float) and isinstance(g, float):  # scalars: nothing to undo
        return g
    shape = {np}.shape(like)
    if {np}.shape(g) == shape:
        return g
    if {np}.ndim(g) < len(shape):
        return {np}.broadcast_to(g, shape) * 1.0
    g = {np}.sum(g, axis=tuple(range({np}.ndim(g) - len(shape))))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and {np}.shape(g)[i] != 1)
    return {np}.sum(g, axis=axes, keepdims=True) if axes else g
'''),
    "matmul_left": Helper(
        '''def {matmul_left}(g, a, b):
    """The gradient of a @ b with respect to a, given g, the gradient of the product."""
    if {np}.ndim(a) == 0 or {np}.ndim(b) == 0:  # np.dot with a scalar multiplies
        return {unbroadcast}(g * b, a)
    if {np}.ndim(b) == 1:
        return {np}.multiply.outer(g, b) if {np}.ndim(a) > 1 else g * b
    if {np}.ndim(a) == 1:
        return {unbroadcast}({np}.matmul(b, g[..., None])[..., 0], a)
    return {unbroadcast}({np}.matmul(g, {np}.swapaxes(b, -1, -2)), a)
''',
        ("unbroadcast",),
    ),
    "matmul_right": Helper(
        '''def {matmul_right}(g, a, b):
    """The gradient of a @ b with respect to b, given g, the gradient of the product."""
    if {np}.ndim(a) == 0 or {np}.ndim(b) == 0:  # np.dot with a scalar multiplies
        return {unbroadcast}(g * a, b)
    if {np}.ndim(a) == 1:
        return g * a if {np}.ndim(b) == 1 else {unbroadcast}(a[:, None] * g[..., None, :], b)
    if {np}.ndim(b) == 1:
        return {unbroadcast}({np}.matmul({np}.swapaxes(a, -1, -2), g[..., None])[..., 0], b)
    return {unbroadcast}({np}.matmul({np}.swapaxes(a, -1, -2), g), b)
''',
        ("unbroadcast",),
    ),
    "dot_check": Helper('''def {dot_check}(a, b):
    """np.dot is a matrix product only up to 2-D: refuse what its gradient does not cover."""
    if {np}.ndim(a) > 2 or {np}.ndim(b) > 2:
        raise ValueError(
            "symback: the gradient of np.dot is written for arrays of up to 2 dimensions; "
            "use np.matmul or @ for stacks of matrices"
        )
    return a
'''),
    "prod_others": Helper('''def {prod_others}(x, axis):
    """For each element, the product of the others along `axis`: exact where x has zeros."""
    if axis is None:
        return {np}.reshape({prod_others}({np}.ravel(x), 0), {np}.shape(x))
    x = {np}.moveaxis({np}.asarray(x, dtype=float), axis, -1)
    ones = {np}.ones(x.shape[:-1] + (1,))
    before = {np}.cumprod({np}.concatenate([ones, x[..., :-1]], axis=-1), axis=-1)
    after = {np}.cumprod({np}.concatenate([ones, x[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return {np}.moveaxis(before * after, -1, axis)
'''),
    "solve_left": Helper('''def {solve_left}(gb, x):
    """The product gb x^T that the gradient of solve(a, b) with respect to a is minus."""
    return {np}.outer(gb, x) if {np}.ndim(x) == 1 else gb @ {np}.swapaxes(x, -1, -2)
'''),
    "scatter": Helper('''def {scatter}(g, like, index):
    """Zeros shaped like `like`, with g at `index` (a basic index: no element twice)."""
    out = {np}.zeros({np}.shape(like), dtype={np}.result_type(g, float))
    out[index] = g
    return out
'''),
    "scatter_add": Helper('''def {scatter_add}(g, like, index):
    """Zeros shaped like `like`, with g added at `index`; repeated indices add up."""
    out = {np}.zeros({np}.shape(like), dtype={np}.result_type(g, float))
    {np}.add.at(out, index, g)
    return out
'''),
    "log_write": Helper('''def {log_write}(log, array, index, differentiated=False):
    """Save the elements a write at `index` overwrites, so that they can be put back."""
    if differentiated and array.dtype.kind != "f":
        raise TypeError(
            f"symback: a differentiated value is written into an array of dtype {{array.dtype}}, "
            "which rounds it; make the array a float array (np.zeros(n), np.zeros_like(x, float))"
        )
    log.append((array, index, array[index].copy()))
'''),
    "undo_writes": Helper('''def {undo_writes}(log, mark):
    """Put back the elements that the writes logged after `mark` overwrote, last first."""
    while len(log) > mark:
        array, index, old = log.pop()
        array[index] = old
'''),
    "undo_last_write": Helper('''def {undo_last_write}(log):
    """Put back the elements that the last logged write overwrote."""
    array, index, old = log.pop()
    array[index] = old
'''),
}


def with_dependencies(used) -> list[str]:
    """The helpers to emit for `used`, each after the ones it calls, in a stable order."""
    order: list[str] = []

    def visit(name: str) -> None:
        if name in order:
            return
        for dep in HELPERS[name].needs:
            visit(dep)
        order.append(name)

    for name in sorted(used):
        visit(name)
    return order
