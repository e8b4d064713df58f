"""How symback scales with function length: generation time and generated size.

The requirements measured (from the issue): for a 1,000-statement straight-line scalar
function the gradient is callable in under 2 s and the generated source is at most 4x as
many lines as the function; 10,000 statements are callable in under 10 s, and take at most
12x as long as 1,000 (linear growth).

The programs come from fuzz/scalar.py, the fuzzer's generator: every elementwise function of
symback's table (np.* and math.* spellings), nested calls, variable exponents, exponentials
in bases and exponents. Each size's program is written to a .py file and, in a fresh Python
process (cold caches, as a user would see it), imported and passed to
`symback.grad(f, wrt=<every parameter>)`; the time from that call to the callable coming
back is the generation time. The gradient is then checked against the fuzzer's reference
(complex step, else Richardson differences) at the program's point, and one gradient call
is timed against one call of the function.

    python benchmarks/bench_scale.py                      # sizes 100 1000 10000
    python benchmarks/bench_scale.py --sizes 1000 --repeat 3
    python benchmarks/bench_scale.py --sizes 1000 10000 --profile   # cProfile, per size
    python benchmarks/bench_scale.py --show 20            # print a sample program

This is a benchmark, not a test: it prints a table and PASS/FAIL lines, and exits 1 when a
requirement fails (or the gradient is wrong).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the repository

SECONDS_1000 = 2.0
SECONDS_10000 = 10.0
LINES_RATIO = 4.0
TIME_RATIO = 12.0  # linear growth, with room for the fixed per-process cost of 1,000


# -- program generator -----------------------------------------------------------------------


def generate_program(n: int, seed: int = 0, name: str = "f"):
    """fuzz/scalar.py's straight-line scalar program of `n` assignments (every elementwise
    function of the table, nested, variable exponents, exponentials in bases and exponents),
    as (module text, facts about it, the fuzz Program). Deterministic for (n, seed)."""
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    import warnings

    from fuzz import scalar

    with warnings.catch_warnings():  # (the generator probes functions outside their domain)
        warnings.simplefilter("ignore")
        program = scalar.program(seed, n, name)
    func = program.source[program.source.index("def ") :]
    facts = {
        "statements": n,
        "function_lines": func.count("\n"),
        "dead_values": 0,  # the generator returns the sum of every value nothing else reads
        "params": list(program.params),
    }
    return program.source, facts, program


# -- one size, in a fresh process -------------------------------------------------------------


def _import_file(path: str, module_name: str):
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def _best_call(fn, args, budget: float = 0.5, at_most: int = 200) -> float:
    """The fastest of repeated single calls (seconds), within about `budget` seconds."""
    best = math.inf
    start = time.perf_counter()
    for i in range(at_most):
        t0 = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - t0)
        if i >= 2 and time.perf_counter() - start > budget:
            break
    return best


def _check_gradient(program, f, g, rng: random.Random, n_params: int) -> dict:
    """Compare the gradient at the program's point (where the generator knows every value
    finite) with fuzz's reference (the complex step, else Richardson differences)."""
    import warnings

    import numpy as np

    from fuzz.check import _close
    from fuzz.reference import reference_gradient

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        grads = [float(v) for v in g(*program.point)]
        want, tolerance = reference_gradient(program, f)
    checked = rng.sample(range(len(program.params)), min(n_params, len(program.params)))
    worst, ok = 0.0, True
    for k in checked:
        close, _ = _close(grads[k], want[k], tolerance[k])
        ok = ok and close
        worst = max(worst, abs(grads[k] - float(want[k])) / max(1.0, abs(float(want[k]))))
    return {
        "checked_params": [program.params[k] for k in checked],
        "max_rel_error": worst,
        "finite": all(math.isfinite(x) for x in grads),
        "ok": ok and all(math.isfinite(x) for x in grads),
        "point": list(program.point),
    }


# Stages timed by `--stages`: (module, attribute, label, nested). Wrapped where they exist, so
# the breakdown keeps working while the pipeline changes; nested stages run inside another.
STAGES = (
    (
        "symback.pipeline",
        "function_source",
        "read source (inspect.getsourcelines, ast.parse)",
        False,
    ),
    ("symback.frontend.fence", "check", "fence.check (ast.walk)", False),
    ("symback.pipeline", "bound_names", "bound_names, in pipeline (ast.walk)", False),
    (
        "symback.frontend.state",
        "bound_names",
        "bound_names, in Lowering.of_function (ast.walk)",
        False,
    ),
    (
        "symback.pipeline",
        "lower_function",
        "lower_function (SymPy construction)",
        False,
    ),
    ("symback.pipeline", "reverse", "reverse (backward sweep)", False),
    (
        "symback.adjoint.reverse",
        "local_adjoint",
        "  of which local_adjoint (diff/cse/solve/print, cached)",
        True,
    ),
    (
        "symback.naming.Namer",
        "numbered",
        "  of which Namer.numbered (all namers)",
        True,
    ),
    ("symback.backend.emit", "module_text", "emit.module_text (incl. dce)", False),
    ("symback.gradient", "load", "load (compile + exec)", False),
)


def _owner(dotted: str):
    """A module, or a class in one (`package.module.Class`); None if it is not there."""
    import importlib

    try:
        return importlib.import_module(dotted)
    except ImportError:
        module, _, cls = dotted.rpartition(".")
        try:
            return getattr(importlib.import_module(module), cls, None)
        except ImportError:
            return None


def _wrap_stages(acc: dict[str, float]) -> None:
    """Accumulate the wall time of each STAGES entry into `acc`, by label."""
    for dotted, attr, label, _ in STAGES:
        owner = _owner(dotted)
        original = getattr(owner, attr, None)
        if original is None:
            continue

        def timed(*a, __original=original, __label=label, **k):
            t0 = time.perf_counter()
            try:
                return __original(*a, **k)
            finally:
                acc[__label] = acc.get(__label, 0.0) + time.perf_counter() - t0

        setattr(owner, attr, timed)


def _gc_timer() -> list[float]:
    """[seconds, collections] spent in the garbage collector from now on."""
    import gc

    total = [0.0, 0]
    started = [0.0]

    def callback(phase, info):
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            total[0] += time.perf_counter() - started[0]
            total[1] += 1

    gc.callbacks.append(callback)
    return total


def worker(
    n: int,
    seed: int,
    mode: str,
    black: bool,
    check_params: int,
    profile_out: str | None,
) -> dict:
    """One size, in this process: generate the program, import it, time symback.grad on it."""
    import numpy  # noqa: F401  (the user's program imports it anyway: not symback's cost)

    t0 = time.perf_counter()
    import symback

    import_seconds = time.perf_counter() - t0
    stages: dict[str, float] = {}
    if mode == "stages":
        _wrap_stages(stages)
    gc_time = _gc_timer()

    text, facts, program = generate_program(n, seed)
    with tempfile.TemporaryDirectory(prefix="symback_bench_") as tmp:
        path = os.path.join(tmp, f"prog_{n}.py")
        with open(path, "w") as fh:
            fh.write(text)
        f = _import_file(path, f"symback_bench_prog_{n}").f
        wrt = tuple(range(len(program.params)))
        gc_time[:] = [0.0, 0]

        if mode == "profile":
            import cProfile

            prof = cProfile.Profile()
            prof.enable()
            g = symback.grad(f, wrt=wrt)
            prof.disable()
            prof.dump_stats(profile_out)
            return {"statements": n}

        t0, c0 = time.perf_counter(), time.process_time()
        g = symback.grad(f, wrt=wrt)  # eager: source, lower, reverse, emit, compile, load
        seconds, cpu_seconds = time.perf_counter() - t0, time.process_time() - c0

        gen_text = g.generated.text
        result = dict(facts)
        result.update(
            seed=seed,
            import_seconds=import_seconds,
            seconds=seconds,
            cpu_seconds=cpu_seconds,
            gc_seconds=gc_time[0],
            gc_collections=gc_time[1],
            generated_lines=gen_text.count("\n"),
            generated_chars=len(gen_text),
            longest_line=max(len(line) for line in gen_text.splitlines()),
        )
        if mode == "stages":
            result["stages"] = stages
            return result

        result["check"] = _check_gradient(program, f, g, random.Random(seed), check_params)
        args = result["check"]["point"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_f = _best_call(f, args)
            t_g = _best_call(g, args)
        result.update(forward_call=t_f, grad_call=t_g, grad_forward_ratio=t_g / t_f)

        if black:
            t0 = time.perf_counter()
            src = g.source  # black runs lazily, on the first read of .source
            result["black_seconds"] = time.perf_counter() - t0
            result["black_lines"] = src.count("\n")
    return result


def _run_worker(n: int, args, mode: str = "time") -> dict:
    black = mode == "time" and (args.black_all or n in args.black_sizes)
    cmd = [
        sys.executable,
        os.path.abspath(__file__),
        "--worker",
        str(n),
        "--mode",
        mode,
    ]
    cmd += ["--seed", str(args.seed), "--check-params", str(args.check_params)]
    if black:
        cmd.append("--black")
    if mode == "profile":
        os.makedirs(args.profile_dir, exist_ok=True)
        cmd += ["--profile-out", os.path.join(args.profile_dir, f"gen_{n}.prof")]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:  # symback failed on the program: a FAIL line, not the end
        last = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        return {"statements": n, "failed": f"exit {proc.returncode}: {last}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


# -- report -----------------------------------------------------------------------------------


def _fmt_s(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:.3f}" if x < 100 else f"{x:.0f}"


_MEDIAN_FIELDS = (
    "seconds",
    "cpu_seconds",
    "gc_seconds",
    "black_seconds",
    "forward_call",
    "grad_call",
)


def _median_runs(runs: list[dict]) -> dict:
    """The first run's facts, with the median of every timing over the runs."""
    out = dict(runs[0])
    for key in _MEDIAN_FIELDS:
        values = [r[key] for r in runs if key in r]
        if values:
            out[key] = statistics.median(values)
    out["grad_forward_ratio"] = out["grad_call"] / out["forward_call"]
    out["all_seconds"] = [r["seconds"] for r in runs]
    out["check"] = max((r["check"] for r in runs), key=lambda c: c["max_rel_error"])
    out["check"]["ok"] = all(r["check"]["ok"] for r in runs)
    return out


def print_table(results: dict[int, dict]) -> list[tuple[str, bool]]:
    head = (
        f"{'stmts':>6} {'fn lines':>8} {'gen lines':>9} {'ratio':>6} {'black lines':>11} "
        f"{'ratio':>6} {'gen s':>7} {'cpu s':>7} {'gc s':>6} {'black s':>7} "
        f"{'fwd call':>9} {'grad call':>9} {'grad/fwd':>8} {'ref err':>8}"
    )
    print(head)
    print("-" * len(head))
    for n, r in sorted(results.items()):
        fl = r["function_lines"]
        bl = r.get("black_lines")
        print(
            f"{n:>6} {fl:>8} {r['generated_lines']:>9} {r['generated_lines'] / fl:>6.2f} "
            f"{bl or '-':>11} {f'{bl / fl:.2f}' if bl else '-':>6} "
            f"{_fmt_s(r['seconds']):>7} {_fmt_s(r['cpu_seconds']):>7} {r['gc_seconds']:>6.2f} "
            f"{_fmt_s(r.get('black_seconds')):>7} "
            f"{r['forward_call'] * 1e3:>7.2f}ms {r['grad_call'] * 1e3:>7.2f}ms "
            f"{r['grad_forward_ratio']:>8.1f} {r['check']['max_rel_error']:>8.1e}"
            + ("" if r["check"]["ok"] else "  GRADIENT WRONG")
        )
    print()
    print("gen s: wall time of symback.grad(f, wrt=every parameter), call to callable, in a")
    print("  fresh process (median over runs); cpu s: its process CPU time; gc s: of which in")
    print("  the garbage collector; gen lines: g.generated.text (what is compiled);")
    print(
        "  black: g.source (black-formatted, timed on first read); fn lines: def + body + return;"
    )
    print("  fwd/grad call: fastest single call; ref err: worst relative error vs the reference.")
    first = next(iter(results.values()))
    print(
        f"import symback: {first['import_seconds']:.2f} s (not included in gen s); runs per size: "
        f"{len(first['all_seconds'])}"
    )
    for n, r in sorted(results.items()):
        runs = ", ".join(_fmt_s(x) for x in r["all_seconds"])
        print(
            f"  {n:>6} statements: gen s of each run {runs}; {r['dead_values']} values unread "
            f"by the output; longest generated line {r['longest_line']} chars"
        )
    print()

    verdicts: list[tuple[str, bool]] = []
    if 1000 in results:
        r = results[1000]
        text = f"1,000 statements callable in under {SECONDS_1000:g} s: {r['seconds']:.2f} s"
        verdicts.append((text, r["seconds"] < SECONDS_1000))
        ratio = r["generated_lines"] / r["function_lines"]
        text = f"1,000 statements: generated text at most {LINES_RATIO:g}x the function's lines"
        verdicts.append((f"{text}: {ratio:.2f}x", ratio <= LINES_RATIO))
        if r.get("black_lines"):
            bratio = r["black_lines"] / r["function_lines"]
            text = f"1,000 statements: black-formatted .source at most {LINES_RATIO:g}x as well"
            verdicts.append((f"{text}: {bratio:.2f}x", bratio <= LINES_RATIO))
    if 10000 in results:
        r = results[10000]
        text = f"10,000 statements callable in under {SECONDS_10000:g} s: {r['seconds']:.2f} s"
        verdicts.append((text, r["seconds"] < SECONDS_10000))
    if 1000 in results and 10000 in results:
        a, b = results[1000], results[10000]
        tr = b["seconds"] / a["seconds"]
        cpu = b["cpu_seconds"] / a["cpu_seconds"]
        text = f"10,000 statements take at most {TIME_RATIO:g}x as long as 1,000"
        verdicts.append((f"{text}: {tr:.2f}x (CPU time: {cpu:.2f}x)", tr <= TIME_RATIO))
    for n, r in sorted(results.items()):
        c = r["check"]
        params = ", ".join(c["checked_params"])
        text = f"{n} statements: gradient matches the reference for {params}"
        verdicts.append((f"{text} (worst relative error {c['max_rel_error']:.1e})", c["ok"]))
    for text, ok in verdicts:
        print(f"{'PASS' if ok else 'FAIL'}  {text}")
    return verdicts


def print_stages(stages: dict[int, dict]) -> None:
    sizes = sorted(stages)
    print("\nWhere generation time goes (one instrumented run per size; wall seconds):")
    width = max(len(label) for _, _, label, _ in STAGES) + 2
    print(f"{'stage':<{width}}" + "".join(f"{n:>10}" for n in sizes))
    for _, _, label, _nested in STAGES:
        row = [stages[n]["stages"].get(label) for n in sizes]
        if all(v is None for v in row):
            continue
        print(f"{label:<{width}}" + "".join(f"{_fmt_s(v):>10}" for v in row))
    rest = []
    for n in sizes:
        top = sum(
            v
            for (_, _, label, nested) in STAGES
            if not nested
            for v in [stages[n]["stages"].get(label, 0.0)]
        )
        rest.append(stages[n]["seconds"] - top)
    print(f"{'other':<{width}}" + "".join(f"{_fmt_s(v):>10}" for v in rest))
    print(f"{'total':<{width}}" + "".join(f"{_fmt_s(stages[n]['seconds']):>10}" for n in sizes))
    print(
        f"{'  garbage collector, inside the stages above':<{width}}"
        + "".join(f"{_fmt_s(stages[n]['gc_seconds']):>10}" for n in sizes)
    )


def print_profile(path: str, n: int, top: int) -> None:
    import pstats

    for key in ("cumulative", "tottime"):
        print(f"\n=== cProfile of symback.grad, {n} statements, top {top} by {key} ===")
        pstats.Stats(path).strip_dirs().sort_stats(key).print_stats(top)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="fresh processes per size; timings are medians",
    )
    ap.add_argument(
        "--check-params",
        type=int,
        default=3,
        help="parameters checked by finite differences",
    )
    ap.add_argument(
        "--black-sizes",
        type=int,
        nargs="*",
        default=[100, 1000],
        help="sizes whose .source (black) is timed (default: 100 1000)",
    )
    ap.add_argument("--black-all", action="store_true", help="time .source for every size")
    ap.add_argument(
        "--stages", action="store_true", help="also break generation time down by stage"
    )
    ap.add_argument("--profile", action="store_true", help="also cProfile generation for each size")
    ap.add_argument(
        "--profile-dir",
        default=os.path.join(tempfile.gettempdir(), "symback_bench_prof"),
    )
    ap.add_argument("--top", type=int, default=30, help="rows of each profile listing")
    ap.add_argument("--show", type=int, metavar="N", help="print the N-statement program and exit")
    ap.add_argument("--json", metavar="PATH", help="also write the raw results as JSON")
    # internal: one size in this (fresh) process
    ap.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    ap.add_argument(
        "--mode",
        default="time",
        choices=("time", "stages", "profile"),
        help=argparse.SUPPRESS,
    )
    ap.add_argument("--black", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--profile-out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.show is not None:
        print(generate_program(args.show, args.seed)[0], end="")
        return 0
    if args.worker is not None:
        result = worker(
            args.worker,
            args.seed,
            args.mode,
            args.black,
            args.check_params,
            args.profile_out,
        )
        print(json.dumps(result))
        return 0

    print(
        f"symback scale benchmark: sizes {args.sizes}, seed {args.seed}, {args.repeat} fresh "
        f"process(es) per size, python {sys.version.split()[0]}, {os.cpu_count()} CPU(s)",
        flush=True,
    )
    results: dict[int, dict] = {}
    for k in range(args.repeat):  # interleaved, so that a slow spell on the machine hits every size
        for n in args.sizes:
            if "failed" in results.get(n, [{}])[0]:
                continue
            run = _run_worker(n, args)
            results.setdefault(n, []).append(run)
            print(
                f"  run {k + 1}: {n:>6} statements, {run.get('seconds', math.nan):.3f} s",
                file=sys.stderr,
                flush=True,
            )
    failed = {n: runs[0]["failed"] for n, runs in results.items() if "failed" in runs[0]}
    results = {n: _median_runs(runs) for n, runs in results.items() if n not in failed}
    print()
    verdicts = print_table(results) if results else []
    for n, reason in sorted(failed.items()):
        verdicts.append((f"{n} statements: symback.grad failed ({reason})", False))
        print(f"FAIL  {verdicts[-1][0]}")
    if args.stages:
        print_stages({n: _run_worker(n, args, "stages") for n in results})
    if args.profile:
        for n in results:
            _run_worker(n, args, "profile")
            print_profile(os.path.join(args.profile_dir, f"gen_{n}.prof"), n, args.top)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({str(n): r for n, r in results.items()}, fh, indent=2)
    return 0 if all(ok for _, ok in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
