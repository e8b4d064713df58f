"""A zoo of control flow symback should differentiate: loops, branches, while loops, helpers.

Everything here is a module-level function (symback reads their source), plus a factory whose
inner function closes over a variable. tests/test_control.py checks them:

- PAIRS: a loop version and a vectorised version of the same function, whose symbolic
  gradients must agree with each other and with numerical gradients;
- ZOO: every function with inputs and a wrt, checked against numerical gradients, for
  value_and_grad's value (bit-for-bit f's own) and black-stable `.source`;
- the while loops have implicit-function derivatives computed in the tests;
- REFUSED: constructs that must be refused with a place, marked `# REFUSED:<id>` on the line
  the error must point at.

Inputs are fixed and chosen away from branch switch points and kinks, so numerical gradients
are a fair reference.
"""

import math

import numpy as np

TWO_PI = 2 * math.pi
TOL = 1e-13
HALF = 0.5

# ---------------------------------------------------------------- data

_rng = np.random.default_rng(20240612)

X5 = np.array([0.5, 1.2, -0.3, 0.8, -1.1])
X7 = np.array([0.3, -0.8, 1.4, 0.9, -1.7, 0.2, 1.1])
Y7 = np.array([1.1, 0.4, -0.6, 2.0, 0.7, -1.3, 0.5])
A4 = _rng.standard_normal((4, 4))
V4 = _rng.standard_normal(4)
M63 = _rng.standard_normal((6, 3))
V3 = _rng.standard_normal(3)
W5 = 0.5 * _rng.standard_normal((5, 5))
H5 = _rng.standard_normal(5)
XS45 = _rng.standard_normal((4, 5))  # T = 4 inputs of size 5
# Values on both sides of 0 and of +-1, none within 0.1 of a switch point.
MIXED = np.array([-2.3, -0.6, 0.4, 1.7, -1.4, 0.15, 2.6, -0.25])


# ---------------------------------------------------------------- loops vs vectorised


def rosen_loop(x):
    s = 0.0
    for i in range(len(x) - 1):
        s += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2
    return s


def rosen_vec(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def rastrigin_loop(x):
    s = 10.0 * x.shape[0]
    for v in x:
        s += v**2 - 10.0 * np.cos(TWO_PI * v)
    return s


def rastrigin_vec(x):
    return 10.0 * x.shape[0] + np.sum(x**2 - 10.0 * np.cos(TWO_PI * x))


def styblinski_tang_loop(x):
    s = 0.0
    for i in range(x.shape[0]):
        s = s + x[i] ** 4 - 16.0 * x[i] ** 2 + 5.0 * x[i]
    return HALF * s


def styblinski_tang_vec(x):
    return HALF * np.sum(x**4 - 16.0 * x**2 + 5.0 * x)


def dot_zip(a, b):
    s = 0.0
    for u, v in zip(a, b):
        s += u * v
    return s


def dot_range(a, b):
    s = 0.0
    for i in range(len(a)):
        s += a[i] * b[i]
    return s


def dot_vec(a, b):
    return a @ b


def rnn_loop(W, h0, xs):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(W @ h + xs[t])
    return np.sum(h**2)


def rnn_unrolled(W, h0, xs):
    h = np.tanh(W @ h0 + xs[0])
    h = np.tanh(W @ h + xs[1])
    h = np.tanh(W @ h + xs[2])
    h = np.tanh(W @ h + xs[3])
    return np.sum(h**2)


def double_sum_loop(x, A):
    s = 0.0
    for i in range(len(x)):
        for j in range(len(x)):
            s += A[i, j] * x[i] * x[j]
    return s


def quadratic_form_vec(x, A):
    return x @ A @ x


def enumerate_weighted(x):
    s = 0.0
    for i, v in enumerate(x):
        s += (i + 1) * v**2
    return s


def enumerate_weighted_vec(x):
    w = np.cumsum(np.ones_like(x))  # 1, 2, ..., n
    return np.sum(w * x**2)


def row_loop(X, w):
    s = 0.0
    for row in X:
        s += np.tanh(row @ w) ** 2
    return s


def row_vec(X, w):
    return np.sum(np.tanh(X @ w) ** 2)


def first_differences_loop(x):
    s = 0.0
    for i in range(1, len(x)):
        s += (x[i] - x[i - 1]) ** 2 * x[i]
    return s


def first_differences_vec(x):
    return np.sum((x[1:] - x[:-1]) ** 2 * x[1:])


def loop_with_count(x, n):
    """The bound comes from an argument; the loop multiplies the carried value."""
    p = 1.0
    for k in range(n):
        p = p * np.cos(x * (k + 1))
    return p


def loop_with_count_unrolled(x, n):
    return np.cos(x) * np.cos(2 * x) * np.cos(3 * x)


def two_carried(x):
    """Two values carried together, each updated from the other (a rotation)."""
    c = 1.0
    s = 0.0
    for v in x:
        c, s = c * np.cos(v) - s * np.sin(v), c * np.sin(v) + s * np.cos(v)
    return c + 2.0 * s


def two_carried_vec(x):
    total = np.sum(x)
    return np.cos(total) + 2.0 * np.sin(total)


# ---------------------------------------------------------------- more loops


def triangular_sum(x, A):
    """The inner bound is the outer index."""
    s = 0.0
    for i in range(len(x)):
        for j in range(i):
            s += A[i, j] * x[i] * x[j]
    return s


def rnn_accumulate(W, h0, xs):
    """Two carried values: the state and a running readout of it."""
    h = h0
    s = 0.0
    for t in range(xs.shape[0]):
        h = np.tanh(W @ h + xs[t])
        s += np.sum(h * xs[t])
    return s


def branch_without_else_in_loop(x):
    s = 0.0
    for v in x:
        if v > 0.0:
            s += v**2
    return s


def counted_while(a, n):
    x = a
    k = 0
    while k < n:
        x = np.sin(x) + a
        k += 1
    return x


# A loop's final carried value read again, after the loop, by a derivative that the backward
# pass computes after its backward loop (here: as the local derivative of a product).


def loop_result_times_input(x):
    y = x * 1.0
    for _ in range(3):
        y = y + 1.0
    return x * y


def rnn_readout_with_h0(W, h0, xs):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(W @ h + xs[t])
    return np.sum(h * h0)


def newton_sqrt_times_a(a):
    x = a
    while abs(x * x - a) > TOL * a:
        x = 0.5 * (x + a / x)
    return x * a


def nested_carried(x):
    """The inner loop's result is read after the inner loop, inside the outer one."""
    s = 0.0
    for i in range(3):
        p = 1.0
        for v in x:
            p = p * (1.0 + 0.1 * v * (i + 1))
        s = s + p * s + p
    return s


def looping_helper_times_element(x):
    return sum_of_squares(x) * x[0]


def sum_of_squares(x):
    s = 0.0
    for v in x:
        s += v * v
    return s


# ---------------------------------------------------------------- leaving loops early


def positive_squares(x):
    """`continue` skips the elements that are not positive."""
    s = 0.0
    for i in range(len(x)):
        if x[i] <= 0.0:
            continue
        s += x[i] ** 2 * np.cos(x[i])
    return s


def positive_squares_vec(x):
    return np.sum(np.where(x > 0.0, x**2 * np.cos(x), 0.0))


def sum_until(x):
    """Add squares until the sum passes 2: the trip count depends on x."""
    s = 0.0
    for v in x:
        s += v * v
        if s > 2.0:
            break
    return s


def sum_until_while(x):
    """sum_until without `break`: the condition is tested before each step."""
    s = 0.0
    i = 0
    while (i < len(x)) & (s <= 2.0):
        s += x[i] * x[i]
        i += 1
    return s


def newton_sqrt_break(a):
    """sqrt(a) by Newton's method in a `while True` loop that breaks at the tolerance."""
    x = a
    while True:
        x = 0.5 * (x + a / x)
        if abs(x * x - a) <= TOL * a:
            break
    return x * x + x


def first_over(x, t):
    """`return` from inside a loop: the first element over t decides the result."""
    for i in range(len(x)):
        if x[i] > t:
            return x[i] ** 2 * t + np.sum(x[:i])
    return t * np.sum(x)


def first_over_vec(x, t):
    """first_over for inputs whose first element over t is x[1]."""
    return x[1] ** 2 * t + x[0]


def halve_then_return(a):
    """`return` inside a while loop, on its first iteration when it runs at all."""
    x = a
    while x > 1.0:
        x = x / 2.0
        return x * a
    return x


def inner_break(x, A):
    """Nested loops: `break` leaves the inner loop only."""
    s = 0.0
    for i in range(A.shape[0]):
        p = 0.0
        for j in range(len(x)):
            p += A[i, j] * x[j]
            if p > 1.0:
                break
        s = s + np.tanh(p) * (i + 1)
    return s


def elif_break(x):
    """`break` in the middle branch of an if/elif/else, with code after the if."""
    s = 0.5
    for v in x:
        if v < -1.0:
            s = s - v
        elif v > 2.0:
            break
        else:
            s = s + np.sin(v) * s
        s = s * 1.1
    return s


def skip_and_stop(x):
    """`continue` and `break` in one loop."""
    s = 0.0
    for v in x:
        if v < 0.0:
            continue
        s += np.sqrt(v) * v
        if s > 2.5:
            break
    return s


def while_continue(a):
    """`continue` in a while loop."""
    x = a
    k = 0
    total = 0.0
    while k < 6:
        k += 1
        x = np.sin(x) + a
        if x < 1.0:
            continue
        total += x**2
    return total


def first_pair_over(x, t):
    """`return` from the inner of two nested loops leaves both."""
    for i in range(len(x)):
        for j in range(i):
            if x[i] * x[j] > t:
                return x[i] * x[j] * t + x[i]
    return np.sum(x) * t


def first_positive_square(x):
    for v in x:
        if v > 0.0:
            return v * v
    return 0.0


def calls_a_returning_helper(x):
    """A helper that returns from inside its loop, called twice."""
    return first_positive_square(x) * first_positive_square(-x) + x[0]


def flag_loop(x):
    """A flag the user keeps: booleans may be assigned and tested."""
    seen = False
    s = 0.0
    for v in x:
        if seen:
            s += v**2
        if v > 1.0:
            seen = True
    return s


def flag_then_number(x):
    """A name that starts as a flag and later holds a number carries its gradient."""
    y = False
    s = 0.0
    for v in x:
        if v > 0.0:
            y = v * 2.0
        if v < -1.0:
            s = s + y * v
    return s


def branch_binds_unused(x):
    """An if whose assignments nothing reads afterwards."""
    if x > 0.0:
        unused = x * 2.0  # noqa: F841
    return x * x


def branches_share_a_value(x, y):
    """Two names hold one value after a branch (b = a): each keeps it."""
    if x > 0.0:
        a = x * y
        b = y
    else:
        a = np.sin(x * y)
        b = a
    return a * b


# ---------------------------------------------------------------- lists used as stacks


def user_stack(x):
    """Saves values on a list in one loop and takes them back in another."""
    saved = []
    h = 1.0
    for i in range(len(x)):
        saved.append(h)
        h = np.sin(h * x[i])
    t = 0.0
    for i in range(len(x)):
        v = saved.pop()
        t = t + v * v * x[i]
    return t + h


def user_stack_unrolled(x):
    h0 = 1.0
    h1 = np.sin(h0 * x[0])
    h2 = np.sin(h1 * x[1])
    h3 = np.sin(h2 * x[2])
    return h2 * h2 * x[0] + h1 * h1 * x[1] + h0 * h0 * x[2] + h3


def stack_left_with_values(x):
    """Two of the three values pushed are never popped: their adjoints are zero."""
    s = []
    s.append(x[0] * x[1])
    s.append(np.sin(x[1]))
    s.append(x[2] ** 3)
    return s.pop() * x[0] + len(s) * x[1]


def stack_in_branches(x):
    s = []
    for i in range(len(x)):
        if x[i] > 0.0:
            s.append(x[i] ** 2)
        else:
            s.append(np.exp(x[i]))
    total = 0.0
    for _ in range(len(x)):
        total = total * 0.5 + s.pop()
    return total


def stack_in_branches_vec(x):
    parts = np.where(x > 0.0, x**2, np.exp(x))
    weights = 0.5 ** np.arange(len(x))
    return np.sum(parts * weights)


def drain_while(x):
    """A while loop that pops a stack until it is empty."""
    s = []
    for i in range(len(x)):
        s.append(np.sin(x[i]) * x[i])
    t = 0.0
    while len(s) > 0:
        t = t * 0.5 + s.pop()
    return t


PAIRS = [
    (rosen_loop, rosen_vec, (X7,), 0),
    (rastrigin_loop, rastrigin_vec, (X5,), 0),
    (styblinski_tang_loop, styblinski_tang_vec, (X7,), 0),
    (dot_zip, dot_vec, (X7, Y7), (0, 1)),
    (dot_range, dot_vec, (X7, Y7), (0, 1)),
    (rnn_loop, rnn_unrolled, (W5, H5, XS45), (0, 1, 2)),
    (double_sum_loop, quadratic_form_vec, (V4, A4), (0, 1)),
    (enumerate_weighted, enumerate_weighted_vec, (X5,), 0),
    (row_loop, row_vec, (M63, V3), (0, 1)),
    (first_differences_loop, first_differences_vec, (X7,), 0),
    (loop_with_count, loop_with_count_unrolled, (0.7, 3), 0),
    (two_carried, two_carried_vec, (X5,), 0),
    (positive_squares, positive_squares_vec, (MIXED,), 0),
    (sum_until, sum_until_while, (X7,), 0),
    (first_over, first_over_vec, (X5, 1.0), (0, 1)),
]


# ---------------------------------------------------------------- branches


def piecewise(x):
    if x < -1.0:
        y = -(x**2)
    elif x < 1.0:
        y = np.sin(x) * 2.0
    else:
        y = x**3 / 3.0
    return y + x


def huber(r, delta=1.0):
    if abs(r) <= delta:
        loss = 0.5 * r**2
    else:
        loss = delta * (abs(r) - 0.5 * delta)
    return loss


def clip_by_hand(x, lo, hi):
    if x < lo:
        y = lo
    elif x > hi:
        y = hi
    else:
        y = x
    return y * np.exp(0.1 * x)


def elif_chain(x):
    if x < -2.0:
        y = np.exp(x)
    elif x < 0.0:
        y = x**2 + 1.0
    elif x < 2.0:
        y = np.cos(x) * x
    elif x < 5.0:
        y = np.log(x) * 3.0
    else:
        y = np.sqrt(x)
    return y * x


def return_in_branches(x, y):
    z = x * y
    if z > 1.0:
        return np.log(z) + x
    elif z < -1.0:
        return z**2
    w = np.sin(z)
    return w * y


def early_return(x):
    if x > 3.0:
        return x * 2.0
    y = x**2
    return y + 1.0


def conditional_expression(x, y):
    a = x**2 if x > y else y**3
    b = np.sin(a) if a < 1.0 else np.cos(a) * x
    return a + b


def branch_in_loop(x):
    s = 0.0
    for v in x:
        if v > 0.0:
            s += v**2
        else:
            s += np.sin(v)
    return s


def branch_in_loop_vec(x):
    return np.sum(np.where(x > 0.0, x**2, np.sin(x)))


def loop_in_branch(x):
    if np.sum(x) > 0.0:
        s = 0.0
        for v in x:
            s += v**3
    else:
        s = 1.0
        for v in x:
            s = s * np.cos(v)
    return s


def huber_sum_by_branches(r):
    """Huber loss over an array: a helper with an if, called in a loop."""
    total = 0.0
    for v in r:
        total += huber(v, delta=0.5)
    return total


def huber_sum_vec(r):
    a = np.abs(r)
    return np.sum(np.where(a <= 0.5, 0.5 * r**2, 0.5 * (a - 0.25)))


def branch_on_loop_result(x):
    s = 0.0
    for v in x:
        s += v
    if s > 0.0:
        out = s**2
    else:
        out = -s * np.exp(s)
    return out


# ---------------------------------------------------------------- while loops


def newton_sqrt(a):
    """sqrt(a) by Newton's method, to a relative tolerance."""
    x = a
    while abs(x * x - a) > TOL * a:
        x = 0.5 * (x + a / x)
    return x


def newton_cubic(a):
    """The real root of x**3 + x - a = 0 by Newton's method."""
    x = 1.0
    f = x**3 + x - a
    while abs(f) > TOL:
        x = x - f / (3.0 * x**2 + 1.0)
        f = x**3 + x - a
    return x


def fixed_point(a):
    """x = 0.5 * cos(x) + a, by iterating the contraction until it stops moving."""
    x = a
    step = 1.0
    while step > TOL:
        x_new = 0.5 * np.cos(x) + a
        step = abs(x_new - x)
        x = x_new
    return x


def halve_until_small(x):
    """The number of halvings depends on x: the gradient is 2**-k for k trips."""
    y = x
    while y > 1.0:
        y = y / 2.0
    return y**2 + y


def geometric_growth(a, c):
    """Grow until past a threshold: the trip count depends on both inputs."""
    s = a
    total = 0.0
    while s < 10.0:
        s = s * c
        total += np.sqrt(s)
    return total


# ---------------------------------------------------------------- helper calls


def square(u):
    return u * u


def poly(u):
    return square(u) + 3.0 * u


def softplus(u, beta=1.0):
    return np.log1p(np.exp(beta * u)) / beta


def polar(x, y):
    return np.hypot(x, y), np.arctan2(y, x)


def moments(x):
    m = np.mean(x)
    v = np.mean(square(x - m))
    return m, v


def helpers_calling_helpers(x):
    return poly(np.sin(x)) * square(x)


def tuple_return(x, y):
    r, theta = polar(x, y)
    return r * np.cos(theta) ** 2 + theta


def default_and_keyword(x, b):
    return softplus(x) + softplus(x, beta=b) + softplus(beta=2.0, u=x * b)


def helper_used_several_times(x):
    a = square(x)
    b = square(a + 1.0)
    c = square(square(x - 1.0))
    return a + b * c


def helper_in_loop(x):
    s = 0.0
    for v in x:
        s += poly(v) * softplus(v, 2.0)
    return s


def normalised_moments(x):
    m, v = moments(x)
    return m**2 + np.sqrt(v + 1.0)


def sum_of_cubes(x):
    s = 0.0
    for v in x:
        s += v**3
    return s


def calls_a_looping_helper(x, w):
    """A helper with a loop inside, called twice."""
    return sum_of_cubes(x * w) + sum_of_cubes(np.sin(x))


def make_scaled_loss(scale, offset):
    """A factory: the loss closes over `scale` and `offset`."""

    def scaled_loss(w, x):
        r = np.tanh(x * w) - offset
        return scale * np.sum(square(r))

    return scaled_loss


SCALED_LOSS = make_scaled_loss(2.5, 0.25)


ZOO = [(f, args, wrt) for f, _, args, wrt in PAIRS]
ZOO += [(g, args, wrt) for _, g, args, wrt in PAIRS if g is not dot_vec] + [
    (dot_vec, (X7, Y7), (0, 1))
]
ZOO += [
    (user_stack, (np.array([0.3, -0.7, 1.1]),), 0),
    (stack_left_with_values, (np.array([0.3, -0.7, 1.1]),), 0),
    (stack_in_branches, (MIXED,), 0),
    (drain_while, (X7,), 0),
    (branch_binds_unused, (0.7,), 0),
    (branches_share_a_value, (0.5, 0.7), (0, 1)),
    (branches_share_a_value, (-0.5, 0.7), (0, 1)),
    (piecewise, (-2.1,), 0),
    (piecewise, (0.4,), 0),
    (piecewise, (1.9,), 0),
    (huber, (0.4,), 0),
    (huber, (-2.3,), 0),
    (huber, (2.3, 1.5), (0, 1)),
    (clip_by_hand, (-1.5, -1.0, 1.0), (0, 1, 2)),
    (clip_by_hand, (0.3, -1.0, 1.0), (0, 1, 2)),
    (clip_by_hand, (1.6, -1.0, 1.0), (0, 1, 2)),
    (elif_chain, (-3.0,), 0),
    (elif_chain, (-1.0,), 0),
    (elif_chain, (1.0,), 0),
    (elif_chain, (3.0,), 0),
    (elif_chain, (7.0,), 0),
    (return_in_branches, (2.0, 1.5), (0, 1)),
    (return_in_branches, (-2.0, 1.5), (0, 1)),
    (return_in_branches, (0.5, 0.8), (0, 1)),
    (early_return, (4.0,), 0),
    (early_return, (1.5,), 0),
    (conditional_expression, (0.6, 0.2), (0, 1)),
    (conditional_expression, (1.5, 0.4), (0, 1)),
    (conditional_expression, (0.2, 0.9), (0, 1)),
    (conditional_expression, (0.2, 1.3), (0, 1)),
    (branch_in_loop, (MIXED,), 0),
    (branch_in_loop_vec, (MIXED,), 0),
    (loop_in_branch, (X7,), 0),
    (loop_in_branch, (-X7,), 0),
    (huber_sum_by_branches, (MIXED,), 0),
    (huber_sum_vec, (MIXED,), 0),
    (branch_on_loop_result, (X7,), 0),
    (branch_on_loop_result, (-X7,), 0),
    (newton_sqrt, (2.0,), 0),
    (newton_sqrt, (0.3,), 0),
    (newton_cubic, (2.5,), 0),
    (newton_cubic, (-0.7,), 0),
    (fixed_point, (0.8,), 0),
    (halve_until_small, (0.7,), 0),
    (halve_until_small, (1.7,), 0),
    (halve_until_small, (13.0,), 0),
    (geometric_growth, (1.3, 1.7), (0, 1)),
    (geometric_growth, (3.1, 1.4), (0, 1)),
    (helpers_calling_helpers, (0.9,), 0),
    (tuple_return, (1.2, 0.7), (0, 1)),
    (default_and_keyword, (0.4, 1.6), (0, 1)),
    (helper_used_several_times, (1.3,), 0),
    (helper_in_loop, (X5,), 0),
    (normalised_moments, (X7,), 0),
    (calls_a_looping_helper, (X5, Y7[:5]), (0, 1)),
    (SCALED_LOSS, (0.7, X5), (0, 1)),
    (triangular_sum, (X7, np.outer(X7, Y7)), (0, 1)),
    (rnn_accumulate, (W5, H5, XS45), (0, 1, 2)),
    (branch_without_else_in_loop, (MIXED,), 0),
    (counted_while, (0.3, 5), 0),
    (loop_result_times_input, (0.5,), 0),
    (rnn_readout_with_h0, (W5, H5, XS45), (0, 1, 2)),
    (newton_sqrt_times_a, (2.0,), 0),
    (nested_carried, (X7,), 0),
    (looping_helper_times_element, (X7,), 0),
    (sum_until, (np.array([1.2, -0.9, 0.3]),), 0),  # breaks at the second element
    (sum_until, (np.array([1.6, 0.3, -0.4]),), 0),  # breaks at once
    (sum_until, (0.3 * X7,), 0),  # never breaks
    (sum_until_while, (-X7,), 0),
    (newton_sqrt_break, (2.0,), 0),
    (newton_sqrt_break, (0.3,), 0),
    (newton_sqrt_break, (1.0,), 0),  # converged after the first step
    (first_over, (X5, 0.1), (0, 1)),  # returns at once
    (first_over, (X5, 3.0), (0, 1)),  # never returns in the loop
    (halve_then_return, (3.0,), 0),
    (halve_then_return, (0.6,), 0),
    (inner_break, (X7, 0.5 * np.outer(Y7[:4], X7)), (0, 1)),
    (elif_break, (MIXED,), 0),
    (elif_break, (np.array([-1.5, 0.3, -0.2, 1.4]),), 0),  # never breaks
    (skip_and_stop, (MIXED,), 0),
    (skip_and_stop, (0.1 * MIXED,), 0),
    (while_continue, (0.3,), 0),
    (while_continue, (0.9,), 0),
    (first_pair_over, (X7, 1.0), (0, 1)),
    (first_pair_over, (X7, 10.0), (0, 1)),
    (calls_a_returning_helper, (MIXED,), 0),
    (flag_loop, (MIXED,), 0),
    (flag_then_number, (MIXED,), 0),
]


def entry_id(entry) -> str:
    return entry[0].__name__


# ---------------------------------------------------------------- refused (with a place)


def loop_else(x):
    s = 0.0
    for v in x:  # REFUSED:loop_else
        if v > 1.0:
            break
        s += v
    else:
        s = -s
    return s


def tuple_return_in_loop(x):
    s = 0.0
    for v in x:
        s += v
        if s > 1.0:
            return s, v  # REFUSED:tuple_return_in_loop
    return s


def countdown(t, n):
    if n < 1:
        return t
    return countdown(t * 0.5, n - 1)  # REFUSED:recursion


def calls_recursive(x):
    return countdown(x, 3) + x


def mutual_a(t):
    return mutual_b(t * 2.0)


def mutual_b(t):
    return mutual_a(t) - 1.0  # REFUSED:mutual_recursion


def calls_mutual(x):
    return mutual_a(x) * x


def aliased_augmented(x):
    y = x
    y += 1.0  # REFUSED:aliased_augmented
    return np.sum(x * y)


def aliased_augmented_in_loop(x):
    y = x
    for _ in range(3):
        y += 1.0  # REFUSED:aliased_augmented_in_loop
    return np.sum(x * y)


REFUSED = [
    ("loop_else", loop_else),
    ("tuple_return_in_loop", tuple_return_in_loop),
    ("recursion", calls_recursive),
    ("mutual_recursion", calls_mutual),
    ("aliased_augmented", aliased_augmented),
    ("aliased_augmented_in_loop", aliased_augmented_in_loop),
]
