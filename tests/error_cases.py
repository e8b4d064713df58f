"""Functions symback must refuse, one offending construct each, for tests/test_errors.py.

Every offending line carries a marker comment `# ERR:<case id>`; the tests find the expected
line number by searching this file for that marker, so lines can move freely. Keep each marker
unique, and keep everything except the marked construct plainly supported.
"""

# ruff: noqa
# fmt: off

import numpy as np
import scipy.special

import symback

COUNTER = 0.0
CONFIG = {"scale": 2.0}
LABEL = "weights"


def _identity(fn):
    return fn


def helper(t):
    return recursive(t * 2.0)


def recursive(t):
    return recursive(t) * 0.5  # ERR:helper


# -- statements -------------------------------------------------------------------------------


def uses_try(x):
    try:  # ERR:try
        y = x * 2.0
    except ValueError:
        y = x
    return y


def uses_with(x):
    with np.errstate():  # ERR:with
        y = x * 2.0
    return y


def generator(x):
    yield x * 2.0  # ERR:yield


def uses_global(x):
    global COUNTER  # ERR:global
    COUNTER = x
    return x * 2.0


def make_nonlocal():
    total = 0.0

    def uses_nonlocal(x):
        nonlocal total  # ERR:nonlocal
        total = x
        return x * 2.0

    return uses_nonlocal


USES_NONLOCAL = make_nonlocal()


def uses_print(x):
    y = x * 2.0
    print(y)  # ERR:print
    return y


def uses_if(x):
    if x > 0:
        y = x
    return y * 2.0  # ERR:if


def uses_for(x):
    y = x * 2.0
    for i in range(3):  # ERR:for
        if y > 10.0:
            break
        y = y * x
    else:
        y = y + 1.0
    return y


def uses_while(x):
    y = x * 2.0
    while y > 1.0:  # ERR:while
        y = y / 2.0
    else:
        y = y + 1.0
    return y


def tuple_return_in_loop(x):
    y = x * 2.0
    for i in range(3):
        y = y * x
        if y > 10.0:
            return y, x  # ERR:tuple_return_in_loop
    return y, x


def bare_return_in_loop(x):
    y = x * 2.0
    while y > 1.0:
        y = y / 2.0
        if y < 3.0:
            return  # ERR:bare_return_in_loop
    return y


def nested_def(x):
    def inner(t):  # ERR:nested_def
        return t * 2.0
    return x * 2.0


def import_inside(x):
    import math  # ERR:import
    return x * 2.0


def import_from_inside(x):
    from math import exp  # ERR:import_from
    return x * 2.0


def uses_assert(x):
    assert x > 0
    return x * 2.0 if x is not None else x  # ERR:assert


def uses_raise(x):
    y = x * 2.0
    raise ValueError  # ERR:raise
    return y


def uses_del(x):
    y = x * 2.0
    z = y + 1.0
    del y  # ERR:del
    return z


def code_after_return(x):
    y = x * 2.0
    return y
    z = y + 1.0  # ERR:after_return


def no_return(x):  # ERR:no_return
    y = x * 2.0


def bare_return(x):
    y = x * 2.0
    return  # ERR:bare_return


def returns_tuple(x):
    y = x * 2.0
    return y, x  # ERR:tuple_return


def write_subscript(x):
    x[0] = 1.0  # ERR:setitem
    return np.sum(x)


def write_into_view_of_parameter(x):
    v = x[1:]
    v[0] = 1.0  # ERR:setitem_view
    return np.sum(v)


def write_at_computed_index(x):
    y = np.zeros_like(x)
    k = int(x[0] > 0.0)
    y[k] = x[1]  # ERR:setitem_index
    return np.sum(y)


def write_into_aux(x):
    y = np.zeros_like(x)
    y[0] = x[0]  # ERR:setitem_aux
    return np.sum(y), y


def _put_first(buf, v):
    buf[0] = v  # ERR:setitem_helper
    return v


def helper_writes_into_callers_array(x):
    y = np.zeros(3)
    v = _put_first(y, x[0])
    return np.sum(y) + v


def write_chained_index(x):
    y = np.zeros((2, 2))
    y[0][1] = x[0]  # ERR:setitem_chained
    return np.sum(y)


def write_attribute(x):
    y = x * 2.0
    y.attr = 1.0  # ERR:setattr
    return y


# -- lists used as stacks ---------------------------------------------------------------------


def stack_with_items(x):
    s = [x, 1.0]
    return s.pop() * x  # ERR:stack_literal


def stack_aliased(x):
    s = []
    s.append(x)
    t = s  # ERR:stack_alias
    return t.pop() * x


def stack_indexed(x):
    s = []
    s.append(x)
    return s[0] * x  # ERR:stack_index


def stack_popped_at(x):
    s = []
    s.append(x)
    return s.pop(0) * x  # ERR:stack_pop_index


def stack_pushes_written_buffer(x):
    s = []
    y = np.zeros(2)
    y[0] = x
    s.append(y)  # ERR:stack_push_written
    y[1] = x
    return np.sum(s.pop() * y)


def stack_made_again_in_loop(x):
    s = []
    for i in range(3):  # ERR:stack_made_in_loop
        s = []
        s.append(x)
    return s.pop() * x


def loop_over_stack_length(x):
    s = []
    s.append(x)
    s.append(x * x)
    t = 0.0
    for i in range(len(s)):  # ERR:stack_in_header
        t = t + s.pop()
    return t


def append_to_parameter(x, out):
    out.append(x)  # ERR:append_not_stack
    return x * x


# -- expressions ------------------------------------------------------------------------------


def lambda_in_body(x):
    g = lambda t: t * 2.0  # ERR:lambda_body
    return x * 2.0


def list_comprehension(x):
    y = np.sum([t * 2.0 for t in x])  # ERR:listcomp
    return y


def set_comprehension(x):
    y = {t * 2.0 for t in x}  # ERR:setcomp
    return x * 2.0


def dict_comprehension(x):
    y = {t: t * 2.0 for t in x}  # ERR:dictcomp
    return x * 2.0


def generator_expression(x):
    y = np.sum(t * 2.0 for t in x)  # ERR:genexp
    return y


def calls_scipy(x):
    y = x * 2.0
    z = scipy.special.gamma(y)  # ERR:scipy
    return z


def calls_helper(x):
    y = helper(x)
    return y


def calls_sorted(x):
    y = x * 2.0
    z = sorted(y)  # ERR:sorted
    return np.sum(z)


def uses_indexing(x):
    y = x * 2.0
    z = x[np.argmax(x)]  # ERR:index
    return y + z


def slice_bound_call(x):
    y = x * 2.0
    z = x[: np.random.randint(1, 3)]  # ERR:slice_bound_call
    return np.sum(y) + np.sum(z)


def uses_matmul(x):
    y = np.convolve(x, x)  # ERR:matmul
    return y


def uses_method(x):
    y = x * 2.0
    z = y.astype(np.float32)  # ERR:method
    return z


def diag_offset_not_literal(x, k):
    y = np.diag(x, k)  # ERR:diag_offset
    return np.sum(y)


def full_without_value(x):
    y = x * np.full(3)  # ERR:full_arity
    return np.sum(y)


def hstack_with_dtype(x):
    y = np.hstack([x, x], dtype=float)  # ERR:hstack_keyword
    return np.sum(y)


def uses_floordiv(x):
    y = x << 2  # ERR:floordiv
    return y


def uses_and(x):
    y = x and 2.0  # ERR:and
    return y


def uses_or(x):
    y = x or 2.0  # ERR:or
    return y


def uses_string(x):
    s = "abc"  # ERR:string
    return x * 2.0


def uses_fstring(x):
    s = f"{x}"  # ERR:fstring
    return x * 2.0


def reads_global_dict(x):
    y = x * CONFIG  # ERR:global_dict
    return np.sum(y)


def reads_global_string(x):
    y = x * len(LABEL)  # ERR:global_string
    return np.sum(y)


# -- signatures and whole functions -------------------------------------------------------------


def varargs_fn(x, *args):  # ERR:varargs
    return x * 2.0


def varkw_fn(x, **kwargs):  # ERR:varkw
    return x * 2.0


lambda_fn = lambda x: x * 2.0  # ERR:lambda_fn


def make_exec_function():
    namespace = {"np": np}
    exec("def from_exec(x):\n    return x * 2.0\n", namespace)
    return namespace["from_exec"]


def two_params(x, w):  # ERR:wrt_plain
    return x * w


def int_annotated(x, n: int):  # ERR:wrt_int_annotation
    return x**n


def int_default(x, k=2):  # ERR:wrt_int_default
    return x**k


@_identity
def decorated_two_params(x, w):  # ERR:wrt_decorated
    return x * w


def decorator_form_wrt_name():
    @symback.grad(wrt="z")
    def inner_name(x, w):  # ERR:wrt_decorator_name
        return x * w

    return inner_name


def decorator_form_wrt_index():
    @symback.grad(wrt=5)
    def inner_index(x, w):  # ERR:wrt_decorator_index
        return x * w

    return inner_index


def returns_array(x):
    return x * 2.0  # ERR:nonscalar


# -- a supported function, so the fixture file itself is known to be readable ----------------


def supported(x, w=1.0):
    """A docstring is allowed."""
    y = np.where(x > 0, x * w, -x)
    y += 1.0
    a, b = y, w
    return np.sum(a * b) + np.mean(np.exp(x))
