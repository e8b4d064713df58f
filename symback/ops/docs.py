"""docs/supported.md, computed from the rules tables: `python -m symback.ops.docs`."""

from __future__ import annotations

from .arrays import PRIMITIVE_TABLE
from .elementwise import ELEMENTWISE_TABLE, NON_DIFFERENTIABLE, SHAPE_ONLY, VERSIONED


def supported_markdown() -> str:
    rows = [
        "# Supported functions",
        "",
        "Generated from symback's rules tables by `python -m symback.ops.docs`; "
        "do not edit by hand.",
        "",
        "## Elementwise, differentiable",
        "",
        "| functions | test domain per argument |",
        "| --- | --- |",
    ]
    for row in ELEMENTWISE_TABLE:
        names = ", ".join(_name(n) for n in row.names)
        domain = ", ".join(f"[{lo:g}, {hi:g}]" for lo, hi in row.domain)
        rows.append(f"| {names} | {domain} |")
    rows += [
        "",
        "## Array operations",
        "",
        "| functions | methods | literal arguments |",
        "| --- | --- | --- |",
    ]
    for prim in PRIMITIVE_TABLE:
        names = ", ".join(_name(n) for n in prim.names)
        if prim.written:  # (a form several calls fuse into, or written with brackets)
            fused = "(" in prim.written
            names = f"`{prim.written}`" + (f", fused ({prim.op})" if fused else "")
        elif not names and not prim.methods:
            names = f"`x[...]` ({prim.op})"
        methods = ", ".join(f"`.{m}()`" for m in prim.methods)
        static = ", ".join(f"`{s}`" for s in prim.static)
        rows.append(f"| {names} | {methods} | {static} |")
    rows += ["", "Also `a @ b`, `x.T`, and `x.shape`, `x.ndim`, `x.size` (no gradient)."]
    rows += [
        "",
        "`np.select([c0, c1], [x0, x1], default)` (as nested `np.where`) and `np.r_[a, b, ...]` "
        "of arrays and numbers (as `np.concatenate`), `np.c_[a, b, ...]` of arrays (no "
        "ranges, no directive strings). The joins also take one array for the list (`np.vstack(A)`: "
        "A's items), and the splits' pieces are unpacked or taken by a literal index.",
    ]
    rows += [
        "",
        "A slice's bounds may call `len`, `int`, `min`, `max`, `np.shape`, `np.ndim` and "
        "`np.size` (`x[: len(y)]`, `g[:, np.shape(a)[1] :]`); other calls in an index are "
        "refused: compute the index first.",
    ]
    rows += [
        "",
        "Element writes `y[i] = v`, `y[i, j] += v`, `y[a:b] -= v` (`*=`, `/=` too) into an "
        "array the function made (`np.zeros`, `np.empty`, `np.copy(x)`, ...), at indices of "
        "loop variables, integers and slices; `np.add.at(y, index, v)` at any index (one "
        "named twice adds twice). A view of such an array read after a later write into it "
        "sees the write, as in NumPy: a slice (`y[1:]`, `y[::-1]`, `y[:, None]`), `.T`, "
        f"{_views(always=True)}, a one-operand `np.einsum` that sums nothing, another name "
        "for the array, a view of a view; "
        f"{_views(always=False)} and `y[0]`, a view or a copy depending on the shapes, are "
        "told apart when the function runs. A write through an index of the array "
        "(`z = y[1:]; z[0] = v`, `z += v`) writes the array. Refused: the array read after a "
        "write through any other view of it, and an in-place update of an array another name "
        "shares otherwise.",
        "",
        "Lists used as stacks: `s = []`, `s.append(v)`, `v = s.pop()` (also "
        "`s.pop() if s else 0.0`) and `len(s)`, as symback's own gradient code saves a loop's "
        "values; any other use of the list is refused.",
        "",
        "Functions returning a tuple (`np.linalg.eigh`, `svd`, `qr`, `slogdet`, `eig`) are "
        "used part by part: `np.linalg.eigh(A)[1]`, `.eigenvectors`, or `w, v = "
        "np.linalg.eigh(A)`. Where a gradient does not exist (repeated eigenvalues or "
        "singular values for the vectors, a QR of a matrix wider than tall), the gradient "
        "raises `NoGradientError` saying which. `eigh` and `cholesky` read one triangle of "
        "their matrix, as LAPACK does: the other's gradient is 0.",
        "",
        "`scipy.special` functions are differentiated where the user's function calls them "
        "(SciPy is the user's dependency, never symback's): the forward value is SciPy's own, "
        "so generated code imports `scipy.special` then, and only then; the "
        "derivatives are NumPy formulas, except those of `gammaln` and `digamma`, which are "
        "`special.digamma` and `special.polygamma`.",
    ]
    rows += [
        "",
        "## Zero gradient (the gradient does not flow through them)",
        "",
        ", ".join(_name(n) for n in sorted(NON_DIFFERENTIABLE)),
        "",
        "## Functions of shapes only (no gradient: constant arrays, sizes)",
        "",
        ", ".join(f"`{n}`" for n in sorted(SHAPE_ONLY)),
        "",
    ]
    return "\n".join(rows)


def _name(name: str) -> str:
    """A function's name as the page shows it: with the versions that have it, if not all."""
    return f"`{name}` ({VERSIONED[name]})" if name in VERSIONED else f"`{name}`"


def _views(always: bool) -> str:
    """The functions whose records say they return a view always (or only by shape)."""
    names = {
        name.replace("numpy.", "np.")
        for row in PRIMITIVE_TABLE
        if row.view is not None and row.always_view is always
        for name in row.names
        if name.startswith("numpy.")
    }
    return ", ".join(f"`{n}`" for n in sorted(names))


if __name__ == "__main__":
    print(supported_markdown(), end="")
