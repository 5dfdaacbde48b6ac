#!/usr/bin/env python3
"""The Python module's overhead (docs/benchmarks.md, issue 15), measured with interleaved repetitions so that load
from other processes on a shared machine hits both sides alike.

1. pmm.solve(...) against `pmm-solve ...` for the same job (normal, builtin:gmm2d, heun, PATHS x STEPS, no output
   files, no trajectory, same threads): wall time of the Python call (module already imported) against the CLI's
   wall time as a subprocess (start-up, parsing, the solve, the summary, its small --report), CLI, Python, CLI,
   Python, ...; also the CPU time (user + sys) of each side, which other processes' load disturbs less.
2. A Python-callable predictor against the same predictor in C++: pmm.solve(target=POINTS) (the C++ finite-set
   oracle) against pmm.solve(model=f) with f(mu, t) = oracle(mu, t) calling that same oracle from Python (bitwise
   the same samples), one thread; the difference per batch call and per step is the cost of crossing into Python.

Usage: PYTHONPATH=build/python /usr/bin/python3 bench/python_overhead.py [--build build] [--reps 7] [--threads 2]
Prints the machine, date, commands, every repetition, median ratio and spread.
"""
import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np


def summary(values):
    v = sorted(values)
    q = statistics.quantiles(v, n=4) if len(v) >= 4 else [v[0], statistics.median(v), v[-1]]
    return f"median {statistics.median(v):.4f}  IQR [{q[0]:.4f}, {q[2]:.4f}]  range [{v[0]:.4f}, {v[-1]:.4f}]"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--paths", type=int, default=100000)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--callable-paths", type=int, default=20000)
    args = ap.parse_args()
    sys.path.insert(0, os.path.join(args.build, "python"))
    import pmm

    exe = os.path.join(args.build, "pmm-solve")
    load = os.getloadavg()
    print(f"# {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}  {platform.node()}  {os.cpu_count()} cores  "
          f"{cpu_model()}  load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}  pmm {pmm.__version__}  "
          f"python {platform.python_version()}")

    # ---- 1. the same job from Python and from the CLI ----
    job = dict(process="normal", target="builtin:gmm2d", solver="heun", steps=args.steps, paths=args.paths, seed=0,
               threads=args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "r.json")
        cli = [exe, "--process", "normal", "--target", "builtin:gmm2d", "--solver", "heun", "--steps", str(args.steps),
               "--paths", str(args.paths), "--seed", "0", "--threads", str(args.threads), "--quiet", "--report", report]
        print("# CLI:    " + " ".join(cli))
        print(f"# Python: pmm.solve({', '.join(f'{k}={v!r}' for k, v in job.items())}, save_every=0)")
        pmm.solve(**{**job, "paths": 1000}, save_every=0)  # warm: the module's first call, page faults
        subprocess.run(cli, check=True)
        print("rep,cli_wall_s,cli_cpu_s,cli_solve_s,python_wall_s,python_cpu_s,python_solve_s,ratio_wall,ratio_cpu")
        ratios, cpu_ratios, solve_ratios = [], [], []

        def children_cpu():
            u = resource.getrusage(resource.RUSAGE_CHILDREN)
            return u.ru_utime + u.ru_stime

        for i in range(args.reps):
            c0, t0 = children_cpu(), time.perf_counter()
            subprocess.run(cli, check=True)
            cli_wall, cli_cpu = time.perf_counter() - t0, children_cpu() - c0
            with open(report) as f:
                cli_solve = json.load(f)["wall_seconds"]
            c0, t0 = time.process_time(), time.perf_counter()
            r = pmm.solve(**job, save_every=0)
            py_wall, py_cpu = time.perf_counter() - t0, time.process_time() - c0
            ratios.append(py_wall / cli_wall)
            cpu_ratios.append(py_cpu / cli_cpu)
            solve_ratios.append(r["seconds"] / cli_solve)
            print(f"{i},{cli_wall:.4f},{cli_cpu:.4f},{cli_solve:.4f},{py_wall:.4f},{py_cpu:.4f},{r['seconds']:.4f},"
                  f"{ratios[-1]:.4f},{cpu_ratios[-1]:.4f}")
        print(f"# Python wall / CLI wall:   {summary(ratios)}")
        print(f"# Python CPU / CLI CPU:     {summary(cpu_ratios)}  (user + sys of all threads; less sensitive to load)")
        print(f"# Python solve / CLI solve: {summary(solve_ratios)}  (the solver's own timer, both sides)")

    # ---- 2. a Python-callable predictor against the same predictor in C++ ----
    points = np.array([[0.0, 1.0], [2.0, -1.0], [-3.0, 0.5], [1.5, 1.5]])
    oracle = pmm.Oracle(points)

    def model(mu, t):
        return oracle(mu, t)

    model.dim, model.batch = oracle.dim, oracle.batch
    n, steps = args.callable_paths, args.steps
    kw = dict(steps=steps, paths=n, seed=1, threads=1, save_every=0, solver="heun")
    native, wrapped = pmm.solve(target=points, **kw), pmm.solve(model=model, **kw)
    assert native["samples"].tobytes() == wrapped["samples"].tobytes(), "wrapped oracle must give the same bytes"
    calls = -(-n // oracle.batch) * native["nfe"]  # batches per evaluation x evaluations (heun 2/step + denoise)
    print(f"# callable: {n} paths x {steps} steps, heun, threads=1, batch {oracle.batch}, {calls} predictor calls "
          f"per run; native = pmm.solve(target=points), wrapped = pmm.solve(model=lambda mu, t: oracle(mu, t))")
    print("rep,native_s,wrapped_s,us_per_call,us_per_step_all_paths")
    per_call, per_step, ratio = [], [], []
    for i in range(args.reps):
        a = pmm.solve(target=points, **kw)["seconds"]
        b = pmm.solve(model=model, **kw)["seconds"]
        per_call.append(1e6 * (b - a) / calls)
        per_step.append(1e6 * (b - a) / steps)
        ratio.append(b / a)
        print(f"{i},{a:.4f},{b:.4f},{per_call[-1]:.2f},{per_step[-1]:.1f}")
    print(f"# extra us per predictor call: {summary(per_call)}")
    print(f"# extra us per step (all {n} paths): {summary(per_step)}")
    print(f"# wrapped / native time: {summary(ratio)}")


if __name__ == "__main__":
    main()
