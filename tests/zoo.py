"""A zoo of plain functions symback should differentiate, each with inputs and a wrt."""

import math

import numpy as np
from numpy import exp, tanh

GRAVITY = 9.81
HALF = 0.5
EPS = 1e-6
TWO_PI = 2 * math.pi
BIG_G = 6.674e-2
GAS_R = 8.314
LOG_2PI = 1.8378770664093453


# ---------------------------------------------------------------- scalar formulas


def poly_cubic(x):
    return 3 * x**3 - 2 * x**2 + x - 7


def rational(x):
    return (x**2 + 1) / (x - 3)


def unary_minus(x):
    return -(x**3) + -(2 * x) - -x


def literal_forms(x):
    return 1_000 * x + 0.5 * x**2 + 2e-1 / x + 3.0 - 1e3 * x


def division_chain(x, y, z):
    return x / y / z


def negative_and_fractional_powers(x):
    return x**-2 + x**0.5 + 2**x + x**-1.5


def product_self(x):
    return x * x * x


def shared_subexpression(x):
    a = np.sin(x)
    b = a * x
    c = a + b
    return c * a


def sin_times_square(x):
    return np.sin(x) * x**2


def exp_of_sin(x):
    return np.exp(np.sin(x))


def math_exp_log(x):
    return math.log(x) * math.exp(-x)


def expm1_log1p(x):
    return np.expm1(x) + np.log1p(x * x)


def exp2_log2(x):
    return np.exp2(x) * np.log2(x + 2)


def math_logs(x):
    return math.log10(x) + math.log2(x) + math.log1p(x) + math.expm1(x) + np.log10(x)


def sqrt_cbrt(x):
    return np.sqrt(x) + np.cbrt(x) + math.sqrt(2 * x)


def cbrt_negative(x):
    return np.cbrt(x) * x


def square_reciprocal(x):
    return np.square(x) + np.reciprocal(x)


def np_trig(x):
    return np.sin(x) * np.cos(x) + np.tan(x)


def math_trig(x):
    return math.sin(x) + math.cos(2 * x) + math.tan(x / 3)


def np_inverse_trig(x):
    return np.arcsin(x) + np.arccos(x / 2) + np.arctan(3 * x)


def math_inverse_trig(x):
    return math.asin(x) + math.acos(x) + math.atan(x)


def hyperbolic(x):
    return np.sinh(x) + np.cosh(x) * np.tanh(x)


def inverse_hyperbolic(x):
    return np.arcsinh(x) + np.arccosh(x + 2) + np.arctanh(x / 2)


def math_hyperbolic(x):
    return math.sinh(x) + math.cosh(x) + math.tanh(x) + math.asinh(x) + math.atanh(x / 2)


def np_arctan2(y, x):
    return np.arctan2(y, x)


def math_atan2(y, x):
    return math.atan2(y, x) * x


def hypot_both(x, y):
    return np.hypot(x, y) + math.hypot(2 * x, y)


def abs_variants(x):
    return np.abs(x) * abs(x - 3) + np.fabs(x) + math.fabs(2 * x)


def np_max_min(x, y):
    return np.maximum(x, y) * np.minimum(x, 2 * y)


def builtin_max_min(x, y):
    return max(x, y) + min(x * x, y)


def power_variants(x, y):
    return np.power(x, y) + math.pow(x, 2.5) + pow(y, 3)


def variable_exponent(x, p):
    return x**p


def logaddexp_fn(a, b):
    return np.logaddexp(a, b) * a


def where_scalar(x):
    return np.where(x > 1, x**2, -x)


def where_scalar_other_branch(x):
    return np.where(x > 1, x**2, -np.sin(x))


def clip_interior(x):
    return np.clip(x, -1.0, 1.0) * x


def clip_bounds(x, lo, hi):
    return np.clip(x, lo, hi) ** 2 + x


def erf_erfc(x):
    return math.erf(x) + math.erfc(2 * x)


def rounding_zero_gradient(x):
    return np.floor(x) + np.ceil(x) + np.round(x) + np.sign(x) + x


def comparison_mask(x):
    return (x > 0) * x**2 + (x < 0) * x


def relu_where(x):
    return np.where(x > 0, x, 0.0)


def select_larger(x, y):
    return np.where(x > y, x, y)


def relu_mask(x):
    return (x > 0) * x


def nested_calls(x):
    return np.log(np.cosh(np.sqrt(x**2 + 1)))


def unused_parameter(x, y):
    return x**2


# ------------------------------------------------------- physics and statistics


def gaussian_loglik(x, mu, sigma):
    return -0.5 * math.log(2 * math.pi) - np.log(sigma) - (x - mu) ** 2 / (2 * sigma**2)


def softplus(x):
    return np.log1p(np.exp(x))


def logistic_loss(w, x, y):
    return np.log1p(np.exp(-y * w * x))


def huber(r, delta=1.0):
    a = np.abs(r)
    return np.where(a <= delta, 0.5 * r**2, delta * (a - 0.5 * delta))


def rbf_kernel(x, y, gamma):
    return np.exp(-gamma * np.sum((x - y) ** 2))


def black_scholes_call(S, K, T, r, sigma):
    vol = sigma * math.sqrt(T)
    d1 = (math.log(S / K) + (r + 0.5 * sigma**2) * T) / vol
    d2 = d1 - vol
    n1 = 0.5 * (1 + math.erf(d1 / math.sqrt(2)))
    n2 = 0.5 * (1 + math.erf(d2 / math.sqrt(2)))
    return S * n1 - K * math.exp(-r * T) * n2


def rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def smooth_abs(x):
    return np.sqrt(x**2 + EPS)


def kinetic_energy(m, v):
    return HALF * m * v**2


def projectile_range(v, theta):
    return v**2 * np.sin(2 * theta) / GRAVITY


def pendulum_period(length):
    return TWO_PI * math.sqrt(length / GRAVITY)


def gravitational_potential(x, y, z, m):
    r = np.sqrt(x**2 + y**2 + z**2)
    return -BIG_G * m / r


def arrhenius(A, Ea, T):
    return A * np.exp(-Ea / (GAS_R * T))


def planck_shape(x):
    return x**3 / np.expm1(x)


def poisson_loglik(lam, k):
    return k * np.log(lam) - lam


def cauchy_loglik(x, x0, gamma):
    return -np.log(math.pi * gamma * (1 + ((x - x0) / gamma) ** 2))


def student_t_loss(x, nu):
    return (nu + 1) / 2 * np.log1p(x**2 / nu)


def lognormal_logpdf(x, mu, s):
    z = (np.log(x) - mu) / s
    return -np.log(x * s) - 0.5 * LOG_2PI - 0.5 * z**2


def sigmoid_neuron(x, w, b, t):
    a = 1 / (1 + np.exp(-(w * x + b)))
    L = (a - t) ** 2
    return L


def sigmoid_neuron_half(x, w, b, t):
    a = 1 / (1 + np.exp(-(w * x + b)))
    L = 0.5 * (a - t) ** 2
    return L


def composed_sigmoid(w, x, t):
    y = 1 / (1 + np.exp(-(w * x)))
    return (y - t) ** 2


# ------------------------------------------------------- assignment forms


def reassignment_chain(x):
    y = x * 2
    y = y + 1
    y = np.sin(y) * y
    y = y**2
    return y


def augmented_assignment(x):
    t = 1.0 * x  # a new value: `t = x; t += 1` would also change an array x
    t += 1
    t *= x
    t -= 0.5 * x
    t /= x + 2
    t **= 2
    return t


def augmented_on_parameter(x, y):
    x += y
    x *= y
    return np.sum(x)


def tuple_unpacking(x, y):
    a, b = x * y, x + y
    a, b = b, a
    return a * b**2


def module_constants(x):
    return GRAVITY * x**2 * HALF + TWO_PI * x


def from_numpy_import(x):
    return exp(x) * tanh(x)


def keyword_only(x, *, scale):
    return scale * x**2 + np.sin(scale * x)


def keyword_only_default(x, *, scale=1.5, shift=0.25):
    return scale * np.exp(x - shift)


def default_parameter(x, k=2.5):
    return k * np.sin(x) + k**2


def constant_output(x):
    return 3.0


def name_collisions(x, x_1, d_x):
    t1 = x * x_1
    d_x_1 = t1 + d_x
    t2 = np.sin(d_x_1)
    return t2 * x


def area(r):
    area = np.pi * r**2
    area = area * r
    return area + r


def swap(x, y):
    x, y = y, x
    return x * y**2


# ------------------------------------------------------- arrays


def scalar_times_vector(a, v):
    return np.sum(a * v**2)


def scalar_times_matrix(s, M):
    return np.sum(np.sin(s * M))


def row_plus_matrix(r, M):
    return np.sum(np.tanh(M + r))


def matrix_times_row_mean(M, r):
    return np.mean(M * r**2)


def column_plus_row(c, r):
    return np.sum((c + r) ** 2)


def variance(v):
    return np.mean((v - np.mean(v)) ** 2)


def logsumexp_naive(v):
    return np.log(np.sum(np.exp(v)))


def softmax_cross_entropy(z, y):
    return np.log(np.sum(np.exp(z))) - np.sum(y * z)


def maximum_arrays(v, w):
    return np.sum(np.maximum(v, w) ** 2)


def relu_array(v):
    return np.sum(np.maximum(v, 0.0) * v)


def clip_array(v):
    return np.sum(np.clip(v, -1.0, 1.0) * v)


def where_array(v):
    return np.sum(np.where(v > 0, v**2, np.sin(v)))


def mask_array(v):
    return np.sum((v > 0) * v * 3)


def mse_linear(w, b, x, y):
    pred = w * x + b
    return np.mean((pred - y) ** 2)


def logistic_regression(w, b, x, y):
    z = w * x + b
    return np.mean(np.log1p(np.exp(-y * z)))


def elastic_net(w, x, y, lam):
    r = w * x - y
    return np.sum(r**2) + lam * np.sum(np.sqrt(w**2 + EPS)) + lam * np.sum(w**2)


def sum_times_mean(v):
    return np.sum(v) * np.mean(v**2)


def arctan2_arrays(y, x):
    return np.sum(np.arctan2(y, x) * x)


def logaddexp_arrays(a, b):
    return np.sum(np.logaddexp(a, b))


def power_arrays(x, p):
    return np.sum(np.power(x, p))


def row_2d_times_matrix(r, M):
    return np.sum(r * M**2)


def zero_d_array(a, v):
    return np.sum(a * v)


def clip_array_bounds(v, lo, hi):
    return np.sum(np.clip(v, lo, hi) ** 2)


def maximum_with_scalar(v, s):
    return np.sum(np.maximum(v, s) ** 2)


def where_scalar_branches(v, s):
    return np.sum(np.where(v > 0, s, v * s))


def tuple_unpacking_arrays(v, w):
    a, b = v * w, v - w
    return np.sum(a * b)


def unused_vector_parameter(x, v):
    return x**2


def weighted_norm(w, M):
    return np.sqrt(np.sum(w * M**2))


def vector_reassign_augmented(v, s):
    u = v * s
    u += 1.0
    u = np.exp(-u)
    u *= v
    return np.sum(u)


# ------------------------------------------------------- has_aux


def loss_with_aux(w, x):
    pred = w * x
    loss = np.mean((pred - 1.0) ** 2)
    return loss, pred


def loss_with_scalar_aux(a, b):
    loss = np.sin(a) * b**2
    return loss, a + b


# ------------------------------------------------------- the zoo

V4 = np.array([0.3, -0.7, 1.2, 0.45])
W4 = np.array([-0.25, 0.6, 0.9, -1.1])
M23 = np.array([[0.2, -0.4, 0.7], [1.1, -0.3, 0.05]])
R3 = np.array([0.5, -0.2, 0.35])
C21 = np.array([[0.4], [-0.6]])
X5 = np.array([0.1, -0.8, 1.5, 2.2, -1.3])
Y5 = np.array([0.3, -0.5, 1.1, 2.9, -1.0])
LABELS5 = np.array([1.0, -1.0, 1.0, 1.0, -1.0])


ZOO = [
    (poly_cubic, (1.3,), 0),
    (rational, (1.2,), 0),
    (unary_minus, (0.8,), 0),
    (literal_forms, (1.7,), 0),
    (division_chain, (1.5, 0.7, -2.1), ("x", "y", "z")),
    (negative_and_fractional_powers, (1.4,), 0),
    (product_self, (-1.3,), 0),
    (shared_subexpression, (0.9,), 0),
    (sin_times_square, (2.1,), 0),
    (exp_of_sin, (-0.4,), 0),
    (math_exp_log, (1.7,), 0),
    (expm1_log1p, (0.6,), 0),
    (exp2_log2, (1.1,), 0),
    (math_logs, (2.3,), 0),
    (sqrt_cbrt, (1.9,), 0),
    (cbrt_negative, (-2.2,), 0),
    (square_reciprocal, (-0.8,), 0),
    (np_trig, (0.5,), 0),
    (math_trig, (0.7,), 0),
    (np_inverse_trig, (0.4,), 0),
    (math_inverse_trig, (-0.3,), 0),
    (hyperbolic, (0.8,), 0),
    (inverse_hyperbolic, (0.6,), 0),
    (math_hyperbolic, (0.35,), 0),
    (np_arctan2, (0.7, -1.2), ("y", "x")),
    (math_atan2, (-0.9, 1.4), (0, 1)),
    (hypot_both, (1.2, -0.5), ("x", "y")),
    (abs_variants, (1.5,), 0),
    (abs_variants, (-0.7,), 0),
    (np_max_min, (1.5, 0.5), (0, 1)),
    (np_max_min, (0.4, 1.1), (0, 1)),
    (builtin_max_min, (0.8, 1.9), ("x", "y")),
    (builtin_max_min, (1.6, 0.3), ("x", "y")),
    (power_variants, (1.3, 2.2), ("x", "y")),
    (variable_exponent, (1.7, -0.6), ("x", "p")),
    (logaddexp_fn, (0.3, 1.6), ("a", "b")),
    (where_scalar, (1.4,), 0),
    (where_scalar, (0.3,), 0),
    (where_scalar_other_branch, (-0.6,), 0),
    (clip_interior, (0.5,), 0),
    (clip_bounds, (0.2, -1.0, 1.0), ("x", "lo", "hi")),
    (clip_bounds, (-1.7, -1.0, 1.0), ("x", "lo", "hi")),
    (clip_bounds, (2.5, -1.0, 1.0), ("x", "lo", "hi")),
    (erf_erfc, (0.45,), 0),
    (rounding_zero_gradient, (1.3,), 0),
    (comparison_mask, (0.8,), 0),
    (comparison_mask, (-0.8,), 0),
    (relu_where, (0.7,), 0),
    (relu_where, (-0.7,), 0),
    (select_larger, (0.5, 0.2), ("x", "y")),
    (relu_mask, (0.7,), 0),
    (nested_calls, (0.9,), 0),
    (unused_parameter, (1.1, 2.0), (0, 1)),
    (gaussian_loglik, (1.3, 0.4, 0.8), ("x", "mu", "sigma")),
    (softplus, (0.7,), 0),
    (softplus, (-3.0,), 0),
    (logistic_loss, (0.8, 1.5, -1.0), ("w", "x")),
    (huber, (0.5,), 0),
    (huber, (-2.5,), 0),
    (huber, (2.5, 1.3), ("r", "delta")),
    (rbf_kernel, (V4, W4, 0.3), ("x", "y", "gamma")),
    (black_scholes_call, (100.0, 95.0, 0.5, 0.03, 0.25), ("S", "K", "T", "r", "sigma")),
    (rosenbrock, (-1.2, 1.0), ("x", "y")),
    (smooth_abs, (0.02,), 0),
    (smooth_abs, (-0.3,), 0),
    (kinetic_energy, (2.0, 3.5), ("m", "v")),
    (projectile_range, (12.0, 0.6), ("v", "theta")),
    (pendulum_period, (2.5,), "length"),
    (gravitational_potential, (1.0, -2.0, 0.5, 3.0), ("x", "y", "z", "m")),
    (arrhenius, (2.0, 500.0, 300.0), ("A", "Ea", "T")),
    (planck_shape, (2.8,), 0),
    (poisson_loglik, (3.2, 4.0), "lam"),
    (cauchy_loglik, (1.0, 0.2, 0.7), ("x", "x0", "gamma")),
    (student_t_loss, (1.3, 4.0), ("x", "nu")),
    (lognormal_logpdf, (1.8, 0.3, 0.6), ("x", "mu", "s")),
    (sigmoid_neuron, (0.5, 2.0, -1.0, 1.0), ("w", "b")),
    (sigmoid_neuron_half, (0.5, 2.0, -1.0, 1.0), ("w", "b", "x", "t")),
    (composed_sigmoid, (0.8, 1.5, 0.3), ("w", "x", "t")),
    (reassignment_chain, (0.6,), 0),
    (augmented_assignment, (0.9,), 0),
    (augmented_on_parameter, (0.7, 1.9), ("x", "y")),
    (augmented_on_parameter, (V4, 1.9), ("x", "y")),
    (tuple_unpacking, (1.2, -0.4), ("x", "y")),
    (module_constants, (1.1,), 0),
    (from_numpy_import, (0.4,), 0),
    (keyword_only, (0.9,), ("x", "scale")),
    (keyword_only_default, (0.3,), ("x", "scale", "shift")),
    (keyword_only_default, (0.3,), "shift"),
    (default_parameter, (0.7,), 0),
    (default_parameter, (0.7,), "k"),
    (default_parameter, (0.7, -1.5), (0, 1)),
    (constant_output, (1.0,), 0),
    (name_collisions, (0.5, 1.2, 0.3), ("x", "x_1", "d_x")),
    (area, (2.0,), 0),
    (swap, (2.0, 3.0), ("x", "y")),
    (scalar_times_vector, (1.3, V4), ("a", "v")),
    (scalar_times_matrix, (0.8, M23), ("s", "M")),
    (row_plus_matrix, (R3, M23), ("r", "M")),
    (matrix_times_row_mean, (M23, R3), (0, 1)),
    (column_plus_row, (C21, R3), ("c", "r")),
    (variance, (X5,), 0),
    (logsumexp_naive, (V4,), 0),
    (softmax_cross_entropy, (V4, np.array([0.0, 1.0, 0.0, 0.0])), "z"),
    (maximum_arrays, (V4, W4), ("v", "w")),
    (relu_array, (X5,), 0),
    (clip_array, (X5,), 0),
    (where_array, (X5,), 0),
    (mask_array, (X5,), 0),
    (mse_linear, (0.7, -0.2, X5, Y5), ("w", "b")),
    (mse_linear, (0.7, -0.2, X5, Y5), ("x", "y")),
    (logistic_regression, (0.9, 0.1, X5, LABELS5), ("w", "b", "x")),
    (elastic_net, (W4, V4, 0.5 * W4, 0.1), ("w", "x", "lam")),
    (sum_times_mean, (X5,), 0),
    (arctan2_arrays, (V4, np.abs(W4) + 0.5), ("y", "x")),
    (logaddexp_arrays, (V4, W4), ("a", "b")),
    (logaddexp_arrays, (0.2, W4), ("a", "b")),
    (power_arrays, (np.abs(V4) + 0.5, W4), ("x", "p")),
    (power_arrays, (np.abs(V4) + 0.5, 2.5), ("x", "p")),
    (row_2d_times_matrix, (R3.reshape(1, 3), M23), ("r", "M")),
    (zero_d_array, (np.array(2.0), V4), ("a", "v")),
    (clip_array_bounds, (X5, np.full(5, -1.0), 1.0), ("v", "lo", "hi")),
    (maximum_with_scalar, (X5, 0.2), ("v", "s")),
    (where_scalar_branches, (X5, 0.7), ("v", "s")),
    (tuple_unpacking_arrays, (V4, W4), ("v", "w")),
    (unused_vector_parameter, (1.1, V4), ("x", "v")),
    (weighted_norm, (R3, M23), ("w", "M")),
    (weighted_norm, (np.abs(R3), M23), ("w", "M")),
    (vector_reassign_augmented, (V4, 0.7), ("v", "s")),
]

# Keyword arguments for zoo functions that need them (keyed by function name).
KWARGS = {
    "keyword_only": {"scale": 1.7},
}

# has_aux functions: (function, args, wrt); each returns (loss, aux).
AUX_ZOO = [
    (loss_with_aux, (0.8, X5), "w"),
    (loss_with_aux, (0.8, X5), ("w", "x")),
    (loss_with_scalar_aux, (0.6, -1.4), (0, 1)),
]


def entry_id(entry) -> str:
    """A readable test id: the function's name."""
    return entry[0].__name__
