"""Kernel benchmark: GoLab vs ipykernel, same client, same run.

Measures, with jupyter_client:
  * round trip of a trivial execute (request sent -> status idle received)
  * start-up (process start -> kernel_info_reply received)
Reports median and p99 per kernel and the GoLab/ipykernel ratio.

  python bench/kernel/bench_kernel.py [--executes N] [--starts N] [--csv FILE]
"""
import argparse
import csv
import os
import statistics
import sys
import time

from jupyter_client.manager import KernelManager


def percentile(xs, p):
    xs = sorted(xs)
    k = max(0, min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1)))))
    return xs[k]


def round_trips(kernel_name, n, warmup=50):
    km = KernelManager(kernel_name=kernel_name)
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    code = "1" if kernel_name != "golab" else "1"
    times = []
    try:
        for i in range(warmup + n):
            t0 = time.perf_counter()
            msg_id = kc.execute(code)
            while True:
                msg = kc.get_iopub_msg(timeout=30)
                if (msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status"
                        and msg["content"]["execution_state"] == "idle"):
                    break
            dt = time.perf_counter() - t0
            kc.get_shell_msg(timeout=30)
            if i >= warmup:
                times.append(dt)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return times


def startups(kernel_name, n):
    times = []
    for _ in range(n):
        km = KernelManager(kernel_name=kernel_name)
        t0 = time.perf_counter()
        km.start_kernel()
        kc = km.client()
        kc.start_channels()
        while True:
            msg_id = kc.kernel_info()
            try:
                reply = kc.get_shell_msg(timeout=0.05)
            except Exception:
                continue
            if reply["msg_type"] == "kernel_info_reply":
                break
        times.append(time.perf_counter() - t0)
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--executes", type=int, default=2000)
    ap.add_argument("--starts", type=int, default=10)
    ap.add_argument("--csv", default="bench/out/kernel.csv")
    args = ap.parse_args()
    rows = []
    results = {}
    for name in ("golab", "python3"):
        rt = round_trips(name, args.executes)
        st = startups(name, args.starts)
        results[name] = (rt, st)
        for kind, xs in (("execute_round_trip", rt), ("startup", st)):
            rows.append({"kernel": name, "metric": kind, "n": len(xs),
                         "median_ms": statistics.median(xs) * 1e3, "p99_ms": percentile(xs, 99) * 1e3})
    print(f"{'kernel':10} {'metric':20} {'n':>6} {'median ms':>10} {'p99 ms':>10}")
    for r in rows:
        print(f"{r['kernel']:10} {r['metric']:20} {r['n']:6d} {r['median_ms']:10.3f} {r['p99_ms']:10.3f}")
    for i, kind in enumerate(("execute_round_trip", "startup")):
        g = statistics.median(results["golab"][i])
        p = statistics.median(results["python3"][i])
        print(f"ratio golab/ipykernel {kind}: median {g / p:.2f}x")
    os.makedirs(os.path.dirname(args.csv) or ".", exist_ok=True)
    with open(args.csv, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    print("wrote", args.csv)


if __name__ == "__main__":
    sys.exit(main())
