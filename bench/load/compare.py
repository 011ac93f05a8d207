"""Which of two versions costs less CPU per request, on a host whose speed moves.

Two processes, one per version (an interpreter, a checkout, or both), each serving the
load mix's GET kinds in-process against the bench database (request_cost.py --serve);
this script sends each kind to the two in turn, a few requests at a time, for many
rounds, swapping which goes first every round. Both see the host as it is in the same
fraction of a second, so the ratio of each pair is free of the host's drift that makes
runs minutes apart incomparable (docs/performance.md, "A sixth machine"). Prints, per
kind, each side's least and median CPU ms per request and the median of the paired
ratios B ÷ A.

    # two interpreters, this checkout:
    .venv/bin/python bench/load/compare.py --a ../other-venv/bin/python
    # two checkouts (a worktree of an older commit), this .venv:
    .venv/bin/python bench/load/compare.py --a-root ../old-checkout

A side's interpreter defaults to this checkout's .venv; its root (the checkout whose
code it imports, through this checkout's request_cost.py) to this checkout. Both use
the bench database and fixtures of `make bench-load`."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class Side:
    def __init__(self, python: str, root: str):
        self.label = f"{python} @ {root}"
        # This checkout's request_cost.py, importing the side's code (BENCH_CODE_ROOT).
        self.proc = subprocess.Popen(
            [python, str(ROOT / "bench" / "load" / "request_cost.py"), "--serve"],
            cwd=root, env={**os.environ, "BENCH_CODE_ROOT": str(Path(root).resolve())},
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        word, _, names = self.proc.stdout.readline().strip().partition(" ")
        if word != "ready":
            raise SystemExit(f"{self.label} did not start")
        self.kinds = names.split("|")

    def cpu_ms(self, kind: int, n: int) -> float:
        self.proc.stdin.write(f"{kind} {n}\n")
        self.proc.stdin.flush()
        return float(self.proc.stdout.readline()) * 1000 / n

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    venv = str(ROOT / ".venv" / "bin" / "python")
    p.add_argument("--a", default=venv, help="side A's Python (default: this .venv)")
    p.add_argument("--b", default=venv, help="side B's Python (default: this .venv)")
    p.add_argument("--a-root", default=str(ROOT), help="side A's checkout (default: this one)")
    p.add_argument("--b-root", default=str(ROOT), help="side B's checkout (default: this one)")
    p.add_argument("--rounds", type=int, default=30)
    p.add_argument("--n", type=int, default=3, help="requests per turn")
    p.add_argument("--only", default="", help="substring of the kinds to run")
    args = p.parse_args()

    a, b = Side(args.a, args.a_root), Side(args.b, args.b_root)
    if a.kinds != b.kinds:
        raise SystemExit(f"the two sides serve different kinds: {a.kinds} / {b.kinds}")
    chosen = [i for i, name in enumerate(a.kinds) if args.only in name]
    times: dict[int, tuple[list[float], list[float]]] = {i: ([], []) for i in chosen}
    for r in range(args.rounds):
        for i in chosen:
            if r % 2 == 0:
                times[i][0].append(a.cpu_ms(i, args.n))
                times[i][1].append(b.cpu_ms(i, args.n))
            else:
                times[i][1].append(b.cpu_ms(i, args.n))
                times[i][0].append(a.cpu_ms(i, args.n))
    a.close()
    b.close()

    print(f"A: {a.label}\nB: {b.label}\n{args.rounds} rounds of {args.n} requests per kind\n")
    print("| kind | A ms (least / median) | B ms (least / median) | B ÷ A (median of pairs) |")
    print("|---|---:|---:|---:|")
    for i in chosen:
        ta, tb = times[i]
        ratio = statistics.median(y / x for x, y in zip(ta, tb, strict=True))
        print(
            f"| {a.kinds[i]} | {min(ta):.2f} / {statistics.median(ta):.2f} "
            f"| {min(tb):.2f} / {statistics.median(tb):.2f} | {ratio:.3f} |"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
