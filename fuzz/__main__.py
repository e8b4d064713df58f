"""python -m fuzz --scalar N --arrays M --loops L --seed S: check random programs, report."""

from __future__ import annotations

import argparse
import math
import random
import sys
import time

from .runner import Report, run

STATUSES = ("correct", "wrong", "crash", "refused", "hang", "unchecked")


def sizes(spec: str, seed: int, kind: str, log: bool = False) -> int:
    """A size drawn from "LO-HI" (or exactly "N"), deterministically for the seed; with
    `log`, log-uniformly (as many programs of 10-100 statements as of 100-1,000)."""
    lo, _, hi = spec.partition("-")
    lo, hi = int(lo), int(hi or lo)
    rng = random.Random(f"{kind}:{seed}")
    return round(math.exp(rng.uniform(math.log(lo), math.log(hi)))) if log else rng.randint(lo, hi)


def jobs(args) -> list[tuple[str, int, int]]:
    if args.only:
        kind, seed, size = args.only.split(":")
        cut = None
        if args.cut:
            how, k = args.cut.split(":")
            cut = (how, int(k))
        return [(kind, int(seed), int(size), cut)]
    out = [
        ("scalar", args.seed + i, sizes(args.size, args.seed + i, "scalar", args.log))
        for i in range(args.scalar)
    ]
    out += [
        ("arrays", args.seed + i, sizes(args.array_size, args.seed + i, "arrays", args.log))
        for i in range(args.arrays)
    ]
    out += [
        ("loops", args.seed + i, sizes(args.loop_size, args.seed + i, "loops", args.log))
        for i in range(args.loops)
    ]
    return out


def show(report: Report, seconds: float, out=sys.stdout) -> None:
    total = sum(report.counts.values())
    line = ", ".join(f"{report.counts.get(s, 0)} {s}" for s in STATUSES)
    print(f"\n{total} programs in {seconds:.0f} s: {line}", file=out)
    if report.refusals:
        print("refusals:", file=out)
        for message, n in sorted(report.refusals.items(), key=lambda kv: -kv[1]):
            print(f"  {n:5d}  {message}  (--only {report.refused_example[message]})", file=out)
    print("slowest generations (value_and_grad's first call):", file=out)
    for t, kind, seed, size in sorted(report.timings, reverse=True)[:5]:
        print(f"  {t:7.2f} s  --only {kind}:{seed}:{size}", file=out)
    print("slowest programs to draw:", file=out)
    for t, kind, seed, size in sorted(report.slowest_made, reverse=True)[:3]:
        print(f"  {t:7.2f} s  --only {kind}:{seed}:{size}", file=out)
    for f in report.failures:
        print(
            f"\n== {f.outcome.status}: python -m fuzz --only {f.kind}:{f.seed}:{f.size}", file=out
        )
        if f.cut is not None:
            how, k = f.cut
            print(
                f"   (cut: {'what statement' if how == 'prefix' else 'statements 0 to'} {k}"
                f"{' needs' if how == 'prefix' else ''}; --cut {how}:{k})",
                file=out,
            )
        print(f.outcome.detail.rstrip(), file=out)
        lines = f.source.splitlines()
        print("\n".join(lines[:80] + (["    ..."] if len(lines) > 80 else [])), file=out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fuzz", description=__doc__)
    parser.add_argument("--scalar", type=int, default=0, help="how many scalar programs")
    parser.add_argument("--arrays", type=int, default=0, help="how many array programs")
    parser.add_argument("--loops", type=int, default=0, help="how many loop programs")
    parser.add_argument("--seed", type=int, default=0, help="seed of the first program")
    parser.add_argument("--size", default="10-60", help="scalar statements: N or LO-HI")
    parser.add_argument("--array-size", default="3-12", help="array statements: N or LO-HI")
    parser.add_argument("--loop-size", default="1-4", help="loops per loop program: N or LO-HI")
    parser.add_argument("--log", action="store_true", help="draw sizes log-uniformly")
    parser.add_argument(
        "--value-only", action="store_true", help="check value_and_grad only, not also grad"
    )
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="CPU seconds per program (a hang past it)"
    )
    parser.add_argument("--only", help="one program, KIND:SEED:SIZE (as failures print)")
    parser.add_argument("--no-cut", action="store_true", help="do not cut failures down")
    parser.add_argument("--cut", help="with --only: check this cut, truncated:K or prefix:K")
    parser.add_argument("--print", action="store_true", help="print the programs, check nothing")
    args = parser.parse_args(argv)
    if args.print:
        from .runner import make

        for job in jobs(args):
            print(make(*job).source)
        return 0
    start = time.monotonic()
    report = run(jobs(args), args.timeout, cut=not args.no_cut, plain_too=not args.value_only)
    show(report, time.monotonic() - start)
    bad = sum(report.counts.get(s, 0) for s in ("wrong", "crash", "hang"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
