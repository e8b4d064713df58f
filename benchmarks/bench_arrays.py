"""Array programs: symback's gradients against hand-written NumPy (and autograd, JAX, torch).

The requirement measured (from the issue "Array programs ... as fast as hand-written
NumPy"): on every problem and size, symback's gradient takes at most 1.15x the time of a
careful hand-written NumPy gradient (median of interleaved runs; for the scalar formula,
against a hand-written `math` version), and it is faster than autograd and torch wherever
those take more than 1.5x the hand-written time.

The problems and their hand-written gradients are in `problems.py` beside this file:
Rosenbrock (n = 10, 1e3, 1e6; also against `scipy.optimize.rosen_der`), L2-regularised
logistic regression (1000x100, 100000x100), a 784-128-10 tanh MLP with squared error (batch
64 and 1024), softmax cross-entropy (1000x100), a 40-operation formula of six floats (written
with `math`, and again with `np.` functions), and a 20-step `tanh(W @ h + x_t)` recurrence
(n = 100, 1000), unrolled in source.

Everything runs in one process. For each problem and size the runner
1. builds symback's gradient and each installed peer's (autograd, jax.grad,
   jax.jit(jax.grad), torch.autograd), by running the same forward source with `np` bound
   to autograd.numpy, jax.numpy or a small torch shim;
2. checks the hand-written gradient against a central difference along a random direction,
   and every other gradient against the hand-written one (a wrong gradient is not timed, and
   a wrong symback gradient fails the run);
3. times them all interleaved: each round times every candidate once, in a rotating order,
   each sample being `number` back-to-back calls (`number` chosen so a sample takes about
   `--sample` seconds), with the garbage collector off; the number of rounds adapts so a
   problem takes about `--budget` seconds (at least `--min-rounds`). It reports the median
   time per call, and for symback/hand the median over rounds of the ratio of the two samples
   taken side by side in the same round. It also counts the minor page faults per call of
   the hand-written and symback gradients (each new large temporary that glibc takes from the
   kernel costs one fault per 4 KiB page, which is expensive on a virtual machine).

BLAS, torch and XLA run on one thread by default (`--threads 1`, through threadpoolctl, so
`pip install threadpoolctl`): on a small shared machine, two BLAS threads make every matrix
product's time depend on what else runs, and the comparison is about the generated code.
`--threads 0` leaves the libraries' defaults. `--malloc-tuned` re-runs the benchmark with
glibc's mmap and trim thresholds raised (MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_), so
freed temporaries are reused without page faults: the difference between the two runs is what
page faults cost each candidate.

    python benchmarks/bench_arrays.py                     # everything
    python benchmarks/bench_arrays.py --quick             # skip the largest sizes
    python benchmarks/bench_arrays.py --problems mlp rnn  # some problems only
    (the mlp row also times the same MLP written as loss(params, X, Y) with params a dict,
    its gradient a dict, side by side with the four-array version: at most 1.1x)
    python benchmarks/bench_arrays.py --no-peers          # symback and hand-written only
    python benchmarks/bench_arrays.py --show mlp          # print symback's code for mlp
    python benchmarks/bench_arrays.py --malloc-tuned      # without page faults from malloc

To time NumPy fairly, run it with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (they are set
on some machines here and select slower kernels), in that command only:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_arrays.py

This is a benchmark, not a test: it prints a table and PASS/FAIL lines, and exits 1 when a
requirement fails or a gradient is wrong.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import math
import os
import platform
import statistics
import sys
import time
import types
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import problems as P

TARGET = 1.15  # symback / hand-written, at most
# the same function with its parameters in a dict, against symback's flat one, at most
TREE_TARGET = 1.1
TREE_LABEL = "symback, params dict"
PEER_SLOW = 1.5  # where a peer takes more than this x hand-written, symback must beat it
PEERS = ("autograd", "jax", "jax.jit", "torch")
CHECK_RTOL = 1e-8  # gradients against the hand-written one (max abs error / max abs value)
FD_RTOL = 1e-5  # the hand-written gradient against a central difference
# glibc reads these at start-up: with them, freed large blocks stay in the heap instead of
# going back to the kernel, so a new temporary does not page-fault (see --malloc-tuned).
MALLOC_TUNED = {
    "MALLOC_MMAP_THRESHOLD_": "4294967296",
    "MALLOC_TRIM_THRESHOLD_": "4294967296",
}


# -- running the same forward source on other array libraries --------------------------------


def rebind(fn, **names):
    """A copy of `fn` whose globals have `names` (e.g. np=jax.numpy) swapped in."""
    glb = dict(fn.__globals__)
    glb.update(names)
    return types.FunctionType(fn.__code__, glb, fn.__name__, fn.__defaults__, fn.__closure__)


def peer_forward(problem):
    """The forward function the peers trace: for `formula` the np-spelled twin."""
    return P.formula_np if problem.name == "formula" else problem.forward


def torch_numpy_shim(torch):
    """The handful of NumPy functions the problems use, in torch."""

    def _dim(axis, keepdims, fn, x):
        return fn(x) if axis is None else fn(x, dim=axis, keepdim=keepdims)

    def _t(v, like):
        return v if isinstance(v, torch.Tensor) else torch.tensor(v, dtype=like.dtype)

    def logaddexp(a, b):
        if not isinstance(a, torch.Tensor):
            a = _t(a, b)
        if not isinstance(b, torch.Tensor):
            b = _t(b, a)
        return torch.logaddexp(a, b)

    return types.SimpleNamespace(
        sum=lambda x, axis=None, keepdims=False: _dim(axis, keepdims, torch.sum, x),
        mean=lambda x, axis=None, keepdims=False: _dim(axis, keepdims, torch.mean, x),
        max=lambda x, axis=None, keepdims=False: _dim(axis, keepdims, torch.amax, x),
        exp=torch.exp,
        log=torch.log,
        log1p=torch.log1p,
        tanh=torch.tanh,
        sin=torch.sin,
        cos=torch.cos,
        sqrt=torch.sqrt,
        arctan=torch.atan,
        logaddexp=logaddexp,
    )


def make_peers(problem, wanted):
    """{label: (gradient callable taking the problem's args, version)} for installed peers."""
    fwd = peer_forward(problem)
    wrt = problem.wrt
    out = {}
    if "autograd" in wanted:
        try:
            import autograd
            import autograd.numpy as anp

            af = rebind(fwd, np=anp)

            def fw(wargs, *args):
                full = list(args)
                for i, v in zip(wrt, wargs):
                    full[i] = v
                return af(*full)

            gfw = autograd.grad(fw, 0)

            def autograd_grad(*args):
                return gfw(tuple(args[i] for i in wrt), *args)

            out["autograd"] = (autograd_grad, _version("autograd"))
        except ImportError:
            pass
    if "jax" in wanted or "jax.jit" in wanted:
        try:
            import jax
            import jax.numpy as jnp

            jax.config.update("jax_enable_x64", True)
            jf = rebind(fwd, np=jnp)
            to_np = float if problem.scalar else np.asarray
            if "jax" in wanted:
                jg = jax.grad(jf, argnums=wrt)

                def jax_grad(*args):
                    return tuple(to_np(g) for g in jax.block_until_ready(jg(*args)))

                out["jax"] = (jax_grad, jax.__version__)
            if "jax.jit" in wanted:
                jjg = jax.jit(jax.grad(jf, argnums=wrt))

                def jax_jit_grad(*args):
                    return tuple(to_np(g) for g in jax.block_until_ready(jjg(*args)))

                out["jax.jit"] = (jax_jit_grad, jax.__version__)
        except ImportError:
            pass
    if "torch" in wanted:
        try:
            import torch

            tf = rebind(fwd, np=torch_numpy_shim(torch))
            wrt_set = set(wrt)

            def as_tensor(i, a):
                if isinstance(a, np.ndarray):
                    t = torch.from_numpy(a)
                    return t.requires_grad_() if i in wrt_set else t
                if i in wrt_set:
                    return torch.tensor(a, dtype=torch.float64, requires_grad=True)
                return a

            if problem.scalar:

                def torch_grad(*args):
                    ts = [as_tensor(i, a) for i, a in enumerate(args)]
                    gs = torch.autograd.grad(tf(*ts), [ts[i] for i in wrt])
                    return tuple(g.item() for g in gs)

            else:

                def torch_grad(*args):
                    ts = [as_tensor(i, a) for i, a in enumerate(args)]
                    gs = torch.autograd.grad(tf(*ts), [ts[i] for i in wrt])
                    return tuple(g.numpy() for g in gs)

            out["torch"] = (torch_grad, torch.__version__)
        except ImportError:
            pass
    return out


def _version(module: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(module)
    except PackageNotFoundError:  # pragma: no cover
        return "?"


# -- checking ---------------------------------------------------------------------------------


def rel_error(got, want) -> float:
    """Worst over the outputs of max |got - want| / max |want|."""
    if len(got) != len(want):
        return math.inf
    worst = 0.0
    for a, b in zip(got, want):
        a = np.asarray(a, dtype=float)
        b = np.asarray(b, dtype=float)
        if a.shape != b.shape:
            return math.inf
        scale = max(float(np.max(np.abs(b))) if b.size else 0.0, 1e-300)
        err = float(np.max(np.abs(a - b))) / scale if b.size else 0.0
        worst = max(worst, err if np.isfinite(err) else math.inf)
    return worst


def fd_error(problem) -> float:
    """The hand-written gradient's directional derivative against a central difference."""
    rng = np.random.default_rng(7)
    args = list(problem.args)
    grads = problem.hand(*args)
    dirs = [rng.standard_normal(np.shape(args[i])) for i in problem.wrt]
    dirs = [float(d) if problem.scalar else d for d in dirs]
    scale = max(1.0, max(float(np.max(np.abs(args[i]))) for i in problem.wrt))
    eps = 1e-6 * scale
    plus, minus = list(args), list(args)
    for i, d in zip(problem.wrt, dirs):
        plus[i] = args[i] + eps * d
        minus[i] = args[i] - eps * d
    fd = (problem.forward(*plus) - problem.forward(*minus)) / (2 * eps)
    an = sum(float(np.sum(np.asarray(g) * d)) for g, d in zip(grads, dirs))
    return abs(fd - an) / max(abs(an), 1e-12)


# -- timing -----------------------------------------------------------------------------------


def _sample(fn, args, number: int) -> float:
    """Seconds per call over `number` back-to-back calls."""
    clock = time.perf_counter
    if number == 1:
        t0 = clock()
        fn(*args)
        return clock() - t0
    loop = range(number)
    t0 = clock()
    for _ in loop:
        fn(*args)
    return (clock() - t0) / number


def calibrate(fn, args, sample: float) -> int:
    """Calls per sample, so that a sample takes about `sample` seconds."""
    for _ in range(2):
        fn(*args)  # warm-up (and JAX compilation)
    n = 1
    while True:
        t = _sample(fn, args, n) * n
        if t >= sample / 10 or n >= 10**6:
            break
        n *= 10
    per_call = t / n
    return max(1, round(sample / max(per_call, 1e-9)))


def time_interleaved(cands, args, sample, budget, min_rounds, max_rounds):
    """{label: list of per-call seconds, one per round}, the candidates interleaved."""
    numbers = {lab: calibrate(fn, args, sample) for lab, fn in cands.items()}
    labels = list(cands)
    # One calibrated round, to size the number of rounds to the budget.
    per_round = sum(numbers[lab] * _sample(cands[lab], args, 1) for lab in labels)
    rounds = int(min(max_rounds, max(min_rounds, budget / max(per_round, 1e-9))))
    times = {lab: [] for lab in labels}
    gc_was = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        for r in range(rounds):
            k = r % len(labels)
            for lab in labels[k:] + labels[:k]:
                times[lab].append(_sample(cands[lab], args, numbers[lab]))
    finally:
        if gc_was:
            gc.enable()
    return times, numbers, rounds


def page_faults(fn, args, number: int) -> float:
    """Minor page faults per call (a new large temporary costs one per 4 KiB page touched)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Windows
        return math.nan
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(number):
        fn(*args)
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / number


# -- the run ----------------------------------------------------------------------------------


def fmt_time(s: float | None) -> str:
    if s is None:
        return "-"
    if s < 1e-3:
        return f"{s * 1e6:.1f} us"
    if s < 1.0:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


def fmt_ratio(r: float | None) -> str:
    return "-" if r is None else f"{r:.2f}"


def limit_threads(n: int) -> None:
    """BLAS (through threadpoolctl), torch and XLA (through XLA_FLAGS, before jax loads)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        threadpool_limits = None
        print("  WARNING: threadpoolctl is not installed: BLAS threads not limited")
    global _thread_limit
    if threadpool_limits is not None:
        _thread_limit = threadpool_limits(limits=n)  # kept alive for the whole run
    if n == 1:
        flags = os.environ.get("XLA_FLAGS", "")
        os.environ["XLA_FLAGS"] = (
            flags + " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
        ).strip()
    try:
        import torch

        torch.set_num_threads(n)
    except ImportError:
        pass


_thread_limit = None


def environment() -> list[str]:
    lines = [
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"{os.cpu_count()} CPUs, load average " + " ".join(f"{x:.2f}" for x in os.getloadavg()),
    ]
    for var in (
        "OPENBLAS_CORETYPE",
        "OPENBLAS_L2_SIZE",
        "OPENBLAS_NUM_THREADS",
        "OMP_NUM_THREADS",
        *MALLOC_TUNED,
    ):
        if var in os.environ:
            lines.append(f"{var}={os.environ[var]}")
    if "OPENBLAS_CORETYPE" in os.environ or "OPENBLAS_L2_SIZE" in os.environ:
        lines.append(
            "WARNING: OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE are set: NumPy may run slower kernels "
            "(run with `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE`)"
        )
    try:
        from threadpoolctl import threadpool_info

        for info in threadpool_info():
            lines.append(
                f"{info.get('internal_api')} {info.get('version')} "
                f"kernel {info.get('architecture')}, {info.get('num_threads')} threads "
                f"({os.path.basename(info.get('filepath', ''))})"
            )
    except ImportError:
        lines.append("(pip install threadpoolctl to show the BLAS kernel)")
    return lines


def run_problem(problem, symback, args_ns, wanted_peers):
    """Check and time one problem; returns a result dict."""
    res = {"name": problem.name, "size": problem.size, "errors": {}, "skipped": {}}
    res["extra"] = set(problem.extra)
    g = symback.grad(problem.forward, wrt=problem.wrt)
    sym = g.function if args_ns.raw else g
    args = problem.args
    want = problem.hand(*args)

    res["fd"] = fd_error(problem)
    if not res["fd"] <= FD_RTOL:
        res["skipped"]["hand"] = f"hand-written gradient off by {res['fd']:.1e} (finite diff.)"

    cands = {"forward": problem.forward, "hand": problem.hand}
    others = {"symback": (sym, None)}
    for lab, fn in problem.extra.items():
        others[lab] = (fn, None)
    if problem.name == "mlp":  # side by side: loss(params, X, Y) with params a dict
        others[TREE_LABEL] = (P.tree_twin(symback.grad(P.mlp_tree), args), None)
        res["extra"].add(TREE_LABEL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peers = make_peers(problem, wanted_peers)
    others.update(peers)
    for lab, (fn, _) in others.items():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                got = fn(*args)
            err = rel_error(got, want)
        except Exception as exc:  # noqa: BLE001 - a peer that cannot run this problem
            res["skipped"][lab] = f"{type(exc).__name__}: {str(exc)[:120]}"
            continue
        res["errors"][lab] = err
        if err <= CHECK_RTOL:
            cands[lab] = fn
        else:
            res["skipped"][lab] = f"gradient differs from hand-written by {err:.1e}"

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        times, numbers, rounds = time_interleaved(
            cands,
            args,
            args_ns.sample,
            args_ns.budget,
            args_ns.min_rounds,
            args_ns.max_rounds,
        )
    res["rounds"] = rounds
    res["faults"] = {
        lab: page_faults(cands[lab], args, numbers[lab])
        for lab in ("hand", "symback")
        if lab in cands
    }
    res["numbers"] = numbers
    res["median"] = {lab: statistics.median(ts) for lab, ts in times.items()}
    hand = times["hand"]
    res["paired"] = {
        lab: statistics.median(t / h for t, h in zip(ts, hand))
        for lab, ts in times.items()
        if lab != "hand"
    }
    if TREE_LABEL in times and "symback" in times:
        flat = times["symback"]
        res["tree"] = statistics.median(t / f for t, f in zip(times[TREE_LABEL], flat))
    return res


def print_table(results, peers_present):
    cols = ["problem", "size", "forward", "hand", "symback", "symback/hand", "grad/fwd"]
    cols += [f"{p}/hand" for p in PEERS]
    rows = []
    for r in results:
        m, pr = r["median"], r["paired"]
        row = [
            r["name"],
            r["size"],
            fmt_time(m.get("forward")),
            fmt_time(m.get("hand")),
            fmt_time(m.get("symback")),
            fmt_ratio(pr.get("symback")),
            fmt_ratio(m["symback"] / m["forward"] if "symback" in m else None),
        ]
        for p in PEERS:
            if p in pr:
                row.append(fmt_ratio(pr[p]))
            elif p in r["skipped"]:
                row.append("wrong" if "differs" in r["skipped"][p] else "error")
            else:
                row.append("-")
        rows.append(row)
    widths = [max(len(c), *(len(row[i]) for row in rows)) for i, c in enumerate(cols)]
    print("| " + " | ".join(c.ljust(w) for c, w in zip(cols, widths)) + " |")
    print(
        "|"
        + "|".join("-" * (w + 1) + ":" if i > 1 else "-" * (w + 2) for i, w in enumerate(widths))
        + "|"
    )
    for row in rows:
        print(
            "| "
            + " | ".join(
                (v.ljust(w) if i < 2 else v.rjust(w)) for i, (v, w) in enumerate(zip(row, widths))
            )
            + " |"
        )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="skip the largest sizes")
    ap.add_argument("--problems", nargs="+", choices=P.PROBLEM_NAMES, default=list(P.PROBLEM_NAMES))
    ap.add_argument("--peers", nargs="*", choices=PEERS, default=list(PEERS))
    ap.add_argument("--no-peers", action="store_true", help="time symback and hand-written only")
    ap.add_argument(
        "--budget",
        type=float,
        default=None,
        help="seconds per problem and size (default 4, --quick 1.5)",
    )
    ap.add_argument("--sample", type=float, default=0.01, help="seconds per timing sample")
    ap.add_argument("--min-rounds", type=int, default=9)
    ap.add_argument("--max-rounds", type=int, default=301)
    ap.add_argument(
        "--threads",
        type=int,
        default=1,
        help="limit BLAS, torch and XLA to this many threads (default 1; 0 leaves them as they are)",
    )
    ap.add_argument(
        "--malloc-tuned",
        action="store_true",
        help="re-run with glibc's mmap and trim thresholds raised, so that large temporaries "
        "do not page-fault on every allocation (shows how much of a gap is page faults)",
    )
    ap.add_argument("--raw", action="store_true", help="time g.function (no wrapper) for symback")
    ap.add_argument(
        "--show",
        nargs="*",
        metavar="PROBLEM",
        help="print symback's code for these problems and exit",
    )
    ns = ap.parse_args(argv)
    if ns.malloc_tuned and not all(os.environ.get(k) == v for k, v in MALLOC_TUNED.items()):
        env = dict(os.environ, **MALLOC_TUNED)
        script = os.path.abspath(__file__)
        os.execve(sys.executable, [sys.executable, script, *(argv or sys.argv[1:])], env)
    if ns.budget is None:
        ns.budget = 1.5 if ns.quick else 4.0
    wanted = set() if ns.no_peers else set(ns.peers)

    import symback

    problems = P.make_problems(quick=ns.quick, names=ns.problems)
    if ns.threads:
        limit_threads(ns.threads)
    if ns.show is not None:
        names = set(ns.show or ns.problems)
        seen = set()
        for p in problems:
            if p.name in names and p.name not in seen:
                seen.add(p.name)
                if p.name == "rnn":  # the code for 3 steps reads the same as for 20
                    p = P.rnn_problem(100, steps=3)
                print(f"# ---- {p.name} ----")
                print(symback.grad(p.forward, wrt=p.wrt).source)
        return 0

    print("bench_arrays: symback gradients against hand-written NumPy")
    for line in environment():
        print("  " + line)
    print(f"  symback {symback.__version__}{' (timing g.function)' if ns.raw else ''}")
    for mod in ("scipy", "autograd", "jax", "torch"):
        try:
            v = (
                importlib.import_module(mod).__version__
                if mod != "autograd"
                else _version("autograd")
            )
            print(f"  {mod} {v}")
        except ImportError:
            print(f"  {mod}: not installed")
    print(f"  budget {ns.budget:g} s per problem and size, samples of ~{ns.sample * 1e3:g} ms")
    print()

    results = []
    bad = []
    for p in problems:
        t0 = time.perf_counter()
        r = run_problem(p, symback, ns, wanted)
        results.append(r)
        note = ", ".join(f"{k}: {v}" for k, v in r["skipped"].items())
        print(
            f"  {p.name:13s} {p.size:18s} {r['rounds']:4d} rounds, "
            f"symback/hand {r['paired']['symback'] if 'symback' in r['paired'] else float('nan'):.2f}, "
            f"page faults/call hand {r['faults'].get('hand', math.nan):.0f}, "
            f"symback {r['faults'].get('symback', math.nan):.0f}, "
            f"{time.perf_counter() - t0:.1f} s" + (f"  [{note}]" if note else ""),
            flush=True,
        )
        if "hand" in r["skipped"]:
            bad.append(f"{p.name} {p.size}: {r['skipped']['hand']}")
        if "symback" in r["skipped"]:
            bad.append(f"{p.name} {p.size}: symback {r['skipped']['symback']}")
    print()
    print_table(results, wanted)

    extra_rows = [(r, lab) for r in results for lab in r["paired"] if lab in r["extra"]]
    if extra_rows:
        print()
        for r, lab in extra_rows:
            m = r["median"]
            print(
                f"{r['name']} {r['size']}: {lab} {fmt_time(m[lab])} = {r['paired'][lab]:.2f}x hand; "
                f"symback/{lab} {m['symback'] / m[lab]:.2f}"
            )

    print()
    fails = 0
    for r in results:
        pr = r["paired"]
        tag = f"{r['name']} {r['size']}"
        if "symback" not in pr:
            print(f"FAIL  {tag}: symback's gradient was not timed ({r['skipped'].get('symback')})")
            fails += 1
            continue
        ok = pr["symback"] <= TARGET
        fails += not ok
        print(
            f"{'PASS' if ok else 'FAIL'}  {tag}: symback/hand {pr['symback']:.2f} (target <= {TARGET})"
        )
        if "tree" in r:
            ok = r["tree"] <= TREE_TARGET
            fails += not ok
            print(
                f"{'PASS' if ok else 'FAIL'}  {tag}: params as a dict / four array parameters "
                f"{r['tree']:.2f} (target <= {TREE_TARGET})"
            )
        for peer in ("autograd", "torch"):
            if peer in pr and pr[peer] > PEER_SLOW:
                beat = r["median"]["symback"] < r["median"][peer]
                fails += not beat
                print(
                    f"{'PASS' if beat else 'FAIL'}  {tag}: faster than {peer} "
                    f"({peer}/hand {pr[peer]:.2f}, symback/hand {pr['symback']:.2f})"
                )
    worst = max((max(r["errors"].values(), default=0.0) for r in results), default=0.0)
    print(
        f"{'PASS' if not bad else 'FAIL'}  every gradient checked before timing "
        f"(hand-written vs central differences, worst {max(r['fd'] for r in results):.1e}; "
        f"others vs hand-written, worst of the timed ones "
        f"{max((e for r in results for lab, e in r['errors'].items() if e <= CHECK_RTOL), default=0.0):.1e})"
    )
    for line in bad:
        print("      " + line)
    del worst
    return 1 if (fails or bad) else 0


if __name__ == "__main__":
    sys.exit(main())
