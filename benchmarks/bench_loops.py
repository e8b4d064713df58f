"""Loops: the gradient of a T-step loop runs in time linear in T, from code whose size is fixed.

The requirement measured: symback turns a `for` loop into a loop in the generated code (the
forward loop saves the carried values, the backward loop runs reversed), so
1. the time of a gradient call per loop step at T = 1000 is within 3x of that at T = 100
   ("runs in time linear in T"), and
2. the generated code has the same number of lines for every T ("code size independent of T").

Three problems, for T = 10, 100, 1000 steps:
- the loop Rosenbrock, `for i in range(STEPS): s += 100 * (x[i+1] - x[i]**2)**2 + (1 - x[i])**2`
  over x of size n = T + 1, checked against scipy.optimize.rosen_der;
- the recurrence `h = np.tanh(W @ h + xs[t])` for T steps with n = 50 (W is 50x50), with
  respect to W, h0 and xs, checked against a hand-written backpropagation through time;
- a loop that leaves early, `continue` past the negative x[i] and `break` at the first x[i]
  over 5 (placed at 9/10 of the way), checked against its closed form.
- a cumulative sum written by hand into a buffer, `c[i] = c[i - 1] + x[i]`, then
  `sum(sin(c))`, over x of size T, checked against the closed form (a reversed cumulative
  sum of cos(c)): the backward pass saves one element per write, not the buffer, so it
  stays linear in T.

For each T a small module is written to a temporary directory with the step count as a module
constant (`STEPS = T`), imported, and differentiated, so the generator sees T and could unroll
the loop if it wanted to; the line count of `.source` shows whether it did. Each gradient is
timed as the median over `--repeat` samples of back-to-back calls (each sample about
`--sample` seconds), with the garbage collector off. The function itself is timed the same way
for reference.

    python benchmarks/bench_loops.py
    python benchmarks/bench_loops.py --steps 10 100 1000 10000 --repeat 7
    python benchmarks/bench_loops.py --show rnn        # print the generated code for rnn, T=10

This is a benchmark, not a test: it prints a table and PASS/FAIL lines, and exits 1 when a
requirement fails or a gradient is wrong.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import statistics
import sys
import tempfile
import time

import numpy as np

import symback

LINEAR_FACTOR = 3.0  # time per step at the largest T, at most this x the time at the next
RNN_SIZE = 50

MODULE = '''\
"""Loop problems with {steps} steps, for benchmarks/bench_loops.py."""

import numpy as np

STEPS = {steps}


def rosen_loop(x):
    s = 0.0
    for i in range(STEPS):
        s += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2
    return s


def rnn_loop(W, h0, xs):
    h = h0
    for t in range(STEPS):
        h = np.tanh(W @ h + xs[t])
    return np.sum(h**2)


def exits_loop(x):
    s = 0.0
    for i in range(STEPS):
        if x[i] < 0.0:
            continue
        s += x[i] ** 2 * np.cos(x[i])
        if x[i] > 5.0:
            break
    return s


def cumsum_loop(x):
    c = np.zeros(STEPS)
    c[0] = x[0]
    for i in range(1, STEPS):
        c[i] = c[i - 1] + x[i]
    return np.sum(np.sin(c))
'''


def exits_inputs(T, rng):
    x = rng.uniform(-1.0, 1.0, T)
    x[(9 * T) // 10] = 6.0  # the loop stops there
    return (x,)


PROBLEMS = {
    # name: (wrt, inputs(T, rng))
    "rosen": (0, lambda T, rng: (rng.uniform(-1.5, 1.5, T + 1),)),
    "rnn": (
        (0, 1, 2),
        lambda T, rng: (
            rng.standard_normal((RNN_SIZE, RNN_SIZE)) * (0.9 / np.sqrt(RNN_SIZE)),
            rng.standard_normal(RNN_SIZE),
            0.5 * rng.standard_normal((T, RNN_SIZE)),
        ),
    ),
    "exits": (0, exits_inputs),
    "cumsum": (0, lambda T, rng: (rng.uniform(-1.0, 1.0, T),)),
}


def load(directory: str, steps: int):
    """Write and import the module whose loops take `steps` steps."""
    path = os.path.join(directory, f"loops_{steps}.py")
    with open(path, "w", encoding="utf-8") as f:
        f.write(MODULE.format(steps=steps))
    spec = importlib.util.spec_from_file_location(f"loops_{steps}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def median_time(fn, args, sample: float, repeat: int) -> float:
    """Median seconds per call over `repeat` samples of `number` back-to-back calls."""
    fn(*args)  # warm up
    start = time.perf_counter()
    fn(*args)
    once = max(time.perf_counter() - start, 1e-7)
    number = max(1, int(sample / once))
    times = []
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeat):
            start = time.perf_counter()
            for _ in range(number):
                fn(*args)
            times.append((time.perf_counter() - start) / number)
    finally:
        if enabled:
            gc.enable()
    return statistics.median(times)


def rnn_by_hand(W, h0, xs):
    """A hand-written backpropagation through time for rnn_loop: (d_W, d_h0, d_xs)."""
    hs = [h0]
    for x in xs:
        hs.append(np.tanh(W @ hs[-1] + x))
    d_h = 2 * hs[-1]
    d_W = np.zeros_like(W)
    d_xs = np.zeros_like(xs)
    for t in reversed(range(len(xs))):
        d_a = d_h * (1 - hs[t + 1] ** 2)
        d_W += np.outer(d_a, hs[t])
        d_xs[t] = d_a
        d_h = W.T @ d_a
    return d_W, d_h, d_xs


def check(name: str, f, grads, args, rng) -> float:
    """The largest relative error of the gradient against a reference: scipy's rosen_der for
    rosen; for rnn a hand-written backpropagation through time, which is itself checked
    against a central difference along a random direction (loosely: the difference's
    rounding noise is about 1e-16 * |f| / eps, and the gradient with respect to h0
    vanishes to 1e-17 after 100 steps)."""
    if name == "rosen":
        from scipy.optimize import rosen_der

        expected = rosen_der(args[0])
        return float(np.max(np.abs(grads - expected)) / np.max(np.abs(expected)))
    if name == "exits":  # d/dx of x**2 cos(x) on the non-negative x[i] up to the stop
        x = args[0]
        ran = np.arange(len(x)) <= np.argmax(x > 5.0)
        expected = np.where(ran & (x >= 0.0), 2 * x * np.cos(x) - x**2 * np.sin(x), 0.0)
        return float(np.max(np.abs(grads - expected)) / np.max(np.abs(expected)))
    if name == "cumsum":
        expected = np.cumsum(np.cos(np.cumsum(args[0]))[::-1])[::-1]
        return float(np.max(np.abs(grads - expected)) / np.max(np.abs(expected)))
    expected = rnn_by_hand(*args)
    eps = 1e-6
    for i, e in enumerate(expected):
        v = rng.standard_normal(np.shape(args[i]))
        plus, minus = list(args), list(args)
        plus[i], minus[i] = args[i] + eps * v, args[i] - eps * v
        numerical = (f(*plus) - f(*minus)) / (2 * eps)
        noise = 1e-8 * max(1.0, abs(f(*args))) / eps
        if abs(np.sum(e * v) - numerical) > 1e-6 * abs(numerical) + noise:
            raise AssertionError(f"the hand-written rnn gradient {i} is wrong")
    return max(
        float(np.max(np.abs(g - e)) / max(np.max(np.abs(e)), 1e-300))
        for g, e in zip(grads, expected)
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--problems", nargs="+", default=list(PROBLEMS), choices=list(PROBLEMS))
    parser.add_argument("--repeat", type=int, default=5, help="samples per timing")
    parser.add_argument("--sample", type=float, default=0.1, help="seconds per sample")
    parser.add_argument("--show", choices=list(PROBLEMS), help="print the generated code")
    args = parser.parse_args(argv)
    steps = sorted(args.steps)

    ok = True
    with tempfile.TemporaryDirectory() as directory:
        modules = {T: load(directory, T) for T in steps}
        if args.show:
            fn = getattr(modules[steps[0]], f"{args.show}_loop")
            print(symback.grad(fn, wrt=PROBLEMS[args.show][0]).source)
            return 0
        print(
            f"{'problem':8} {'T':>6} {'n':>5} {'f ms':>9} {'grad ms':>9} "
            f"{'grad us/step':>13} {'grad/f':>7} {'lines':>6} {'rel err':>9}"
        )
        results: dict[str, dict[int, tuple[float, int]]] = {}
        for name in args.problems:
            wrt, inputs = PROBLEMS[name]
            results[name] = {}
            for T in steps:
                rng = np.random.default_rng(T)
                f = getattr(modules[T], f"{name}_loop")
                g = symback.grad(f, wrt=wrt)
                x = inputs(T, rng)
                grads = g(*x)
                err = check(name, f, grads, x, rng)
                if err > 1e-9:
                    ok = False
                    print(f"FAIL  {name} T={T}: gradient wrong, relative error {err:.2e}")
                t_f = median_time(f, x, args.sample, args.repeat)
                t_g = median_time(g, x, args.sample, args.repeat)
                lines = len(g.source.splitlines())
                results[name][T] = (t_g / T, lines)
                n = RNN_SIZE if name == "rnn" else len(x[0])
                print(
                    f"{name:8} {T:>6} {n:>5} {t_f * 1e3:>9.3f} {t_g * 1e3:>9.3f} "
                    f"{t_g / T * 1e6:>13.2f} {t_g / t_f:>7.1f} {lines:>6} {err:>9.1e}"
                )
        print()
        for name, by_t in results.items():
            if len(steps) >= 2:
                small, large = steps[-2], steps[-1]
                ratio = by_t[large][0] / by_t[small][0]
                passed = ratio <= LINEAR_FACTOR
                ok &= passed
                print(
                    f"{'PASS' if passed else 'FAIL'}  {name}: runs in time linear in T "
                    f"(time per step at T={large} is {ratio:.2f}x that at T={small}, "
                    f"limit {LINEAR_FACTOR:g}x)"
                )
            sizes = sorted({lines for _, lines in by_t.values()})
            passed = len(sizes) == 1
            ok &= passed
            print(
                f"{'PASS' if passed else 'FAIL'}  {name}: code size independent of T "
                f"(.source lines for T={', '.join(map(str, steps))}: "
                f"{', '.join(str(by_t[T][1]) for T in steps)})"
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
