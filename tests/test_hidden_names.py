"""A user's name may be any name: a builtin's, a module's, or one symback gives its own values.

Each program below is written with a parameter (or a local variable) named `N`, for every
name the generated code reads from outside its function (builtins, `np`, `math`, helpers)
or binds itself (`d_x`, `t1`, `saved_s`, ...). Its gradient must match central differences,
its value the function's own bit for bit, in memory and in a module written by `symback gen`.
"""

import builtins
import importlib.util
import itertools
import sys

import numpy as np
import pytest

import symback
from symback.pipeline import Options, generate_module
from tests.helpers import central_difference

# Names the generated code reads: builtins it calls itself or prints back from the user's
# code, the modules, the helpers; names it binds; and a few more builtins besides.
BUILTINS = (
    "len range reversed float int bool str tuple list slice zip enumerate isinstance abs min "
    "max sum pow round complex any all locals type ValueError OverflowError ZeroDivisionError"
).split()
MODULES = ["np", "math"]
GENERATED = (
    "d_x t1 t2 i_1 s_1 d_s_1 saved_s saved_s_1 final_s_1 iterations popped_t1 writes marks "
    "_ unused np_1 len_1 float_1 _unbroadcast _log_write _exp_or_inf grad_f value_and_grad_f"
).split()
NAMES = BUILTINS + MODULES + GENERATED

# Each program: (its text over `{N}`, `{np}`, `{math}`; the builtins its own text calls,
# which a program hiding one of them cannot call; the point (x, a)). `a` is the value
# `N` holds: the parameter itself, or a local bound from it.
PROGRAMS = {
    "scalar": (
        """
def f(x, {N}):
    y = {math}.sin(x) * {N} + {N} * x
    return y * x + {math}.exp({N} * 0.1)
""",
        (),
        (0.7, 1.3),
    ),
    "logistic": (  # on floats, its derivative calls min (printer: the sigmoid)
        """
def f(x, {N}):
    return {N} / (1.0 + {math}.exp(-x * {N}))
""",
        (),
        (0.4, 1.5),
    ),
    "array": (
        """
def f(x, {N}):
    y = {np}.tanh(x) * {N}
    return {np}.sum(y * x) + {np}.sum({np}.sqrt(x * x + {N} * {N}))
""",
        (),
        (np.array([0.3, -0.8, 1.2]), 0.9),
    ),
    "for_range": (
        """
def f(x, {N}):
    s = 0.0
    for i in range(x.shape[0]):
        s = s * 0.5 + {np}.sin(x[i]) * {N}
    return s
""",
        ("range",),
        (np.array([0.3, -0.8, 1.2]), 0.9),
    ),
    "for_each": (  # lowered as a loop over range(len(x))
        """
def f(x, {N}):
    s = 0.0
    for v in x:
        s = s * 0.5 + {np}.cos(v * {N})
    return s
""",
        (),
        (np.array([0.3, -0.8, 1.2]), 0.9),
    ),
    "while": (
        """
def f(x, {N}):
    s = x
    k = 0
    while k < 3:
        s = {np}.sin(s) * {N} + x
        k = k + 1
    return s
""",
        (),
        (0.6, 1.1),
    ),
    "stack": (
        """
def f(x, {N}):
    st = []
    for v in x:
        st.append(v * {N})
    s = 0.0
    while st:
        s = s * 0.5 + {np}.sin(st.pop())
    return s
""",
        (),
        (np.array([0.3, -0.8, 1.2]), 0.9),
    ),
    "branch": (
        """
def f(x, {N}):
    if x > 0.5:
        y = x * {N}
    else:
        y = {np}.cos(x) * {N}
    return y * x
""",
        (),
        (0.7, 1.2),
    ),
    "writes": (
        """
def f(x, {N}):
    y = {np}.zeros(3)
    y[0] = x[0] * {N}
    y[1] = y[0] * x[1]
    y[2] = {np}.sin(x[2])
    return {np}.sum(y * x)
""",
        (),
        (np.array([0.3, -0.8, 1.2]), 0.9),
    ),
    "max_min": (  # builtins the user calls, printed back
        """
def f(x, {N}):
    return max(x, {N}) * min(x * x, 2.0 * {N}) + abs(x - {N})
""",
        ("max", "min", "abs"),
        (0.7, 0.4),
    ),
}


def _text(program: str, name: str, local: bool) -> str:
    """The program's text with `name` as a parameter, or (local) a variable bound from `a`."""
    np_name = "numpy" if name == "np" else "np"
    math_name = "pymath" if name == "math" else "math"
    text = program.format(N=name, np=np_name, math=math_name)
    if local:
        text = text.replace(f"def f(x, {name}):", f"def f(x, a):\n    {name} = a * 1.0", 1)
    return text


def _programs(name: str):
    """(kind, text of the function, point) for the programs that do not call `name`."""
    for kind, (program, calls, point) in PROGRAMS.items():
        if name in calls:
            continue
        for local in (False, True):
            yield f"{kind}-{'local' if local else 'parameter'}", _text(program, name, local), point


_modules = itertools.count()


def _module(tmp_path, texts: dict[str, str]):
    """A module defining each text's function under its key; its path and the module."""
    header = "import math\nimport math as pymath\n\nimport numpy\nimport numpy as np\n"
    body = "".join(
        text.replace("def f(", f"def {key.replace('-', '_')}(", 1) for key, text in texts.items()
    )
    name = f"hidden_names_{next(_modules)}"
    path = tmp_path / f"{name}.py"
    path.write_text(header + body)
    return path, _import(path, name)


def _import(path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _check(fn, gradient, point, where: str) -> None:
    """The gradient with respect to both parameters against central differences."""
    for i, got in enumerate(gradient):
        expected = central_difference(fn, point, i)
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8, err_msg=f"{where} [{i}]")


def test_every_name_is_a_builtin_module_or_generated_name():
    """The list covers what it says: the builtins exist, the modules are the generated code's."""
    assert all(hasattr(builtins, b) for b in BUILTINS)
    assert not set(GENERATED) & set(dir(builtins))


@pytest.mark.parametrize("name", NAMES)
def test_gradients_with_a_hidden_name(name, tmp_path):
    texts = {kind: text for kind, text, _ in _programs(name)}
    points = {kind: point for kind, _, point in _programs(name)}
    _, module = _module(tmp_path, texts)
    for kind, point in points.items():
        fn = getattr(module, kind.replace("-", "_"))
        where = f"{kind} with {name!r}"
        for _ in range(2):  # the first call, then the specialised code
            value, gradient = symback.value_and_grad(fn, wrt=(0, 1))(*point)
            _check(fn, gradient, point, where)
            expected = fn(*point)
            assert type(value) is type(expected) and value == expected, where


@pytest.mark.parametrize("name", ["len", "range", "float", "np", "math", "min", "_", "t1"])
def test_gen_module_with_a_hidden_name(name, tmp_path):
    """`symback gen`'s module: it imports only numpy and math, runs, and gives gradients."""
    texts = {kind: text for kind, text, _ in _programs(name)}
    points = {kind: point for kind, _, point in _programs(name)}
    path, module = _module(tmp_path, texts)
    requests = [(k.replace("-", "_"), Options(wrt=(0, 1), value_too=True)) for k in texts]
    text = generate_module(str(path), requests)
    out = tmp_path / f"grad_{path.stem}.py"
    out.write_text(text)
    imports = [line for line in text.splitlines() if line.startswith(("import ", "from "))]
    assert all(line.split()[1] in ("numpy", "math") for line in imports), imports
    generated = _import(out, f"grad_{path.stem}")
    for kind, point in points.items():
        fn = getattr(module, kind.replace("-", "_"))
        value, gradient = getattr(generated, f"value_and_grad_{kind.replace('-', '_')}")(*point)
        assert value == fn(*point), kind
        _check(fn, gradient, point, f"gen {kind} with {name!r}")


def test_a_hidden_builtin_is_read_through_an_alias_only_where_hidden(tmp_path):
    texts = {kind: text for kind, text, _ in _programs("len") if kind == "stack-parameter"}
    _, module = _module(tmp_path, texts)
    source = symback.grad(module.stack_parameter).source
    assert "\nlen_1 = len\n" in source
    assert "len_1(" in source  # the backward loop's trip count
    _, module = _module(tmp_path, {k: t for k, t, _ in _programs("s0") if k == "stack-parameter"})
    assert "len_1" not in symback.grad(module.stack_parameter).source


@pytest.mark.parametrize("name", ["np", "v", "grad_f", "len", "d_x"])
def test_hessian_with_a_hidden_name(name, tmp_path):
    """Grad of grad: symback's own gradient code, with the user's names, differentiated."""
    text = f"""
def f(x, {name}):
    return numpy.sum(numpy.sin(x) * x * {name})
"""
    _, module = _module(tmp_path, {"f": text})
    x, n = np.array([0.3, -1.1, 2.0]), 1.7
    hessian = symback.hessian(module.f)(x, n)
    expected = np.diag(n * (2.0 * np.cos(x) - x * np.sin(x)))  # d2/dx2 of sin(x) x n
    np.testing.assert_allclose(hessian, expected, rtol=1e-12, atol=1e-12)
