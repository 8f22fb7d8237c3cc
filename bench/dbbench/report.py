#!/usr/bin/env python3
"""Prints the db-benchmark comparison from bench/out/dbbench.csv.

    report.py --results bench/out/dbbench.csv --mem bench/out/dbbench_mem.csv --rows 1e7

For every question: each system's two run times, answer shape and checksum;
the GoLab/Polars ratio of the best run. Then per task the total of the best
runs per system, the ratio GoLab/Polars and each system's peak RSS.

Checksums are compared across systems (Polars' first run is the reference,
floats within a relative 1e-11, NaN equal to NaN) and with the published
answers in published.csv when the data set has their size. Any mismatch is
printed in a loud block and makes the exit status 1. Only the standard
library is used.
"""

import argparse
import csv
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ORDER = ["golab", "polars", "duckdb", "pandas"]
TEXT = {
    "groupby_q1": "sum v1 by id1",
    "groupby_q2": "sum v1 by id1:id2",
    "groupby_q3": "sum v1 mean v3 by id3",
    "groupby_q4": "mean v1:v3 by id4",
    "groupby_q5": "sum v1:v3 by id6",
    "groupby_q6": "median v3 sd v3 by id4 id5",
    "groupby_q7": "max v1 - min v2 by id3",
    "groupby_q8": "largest two v3 by id6",
    "groupby_q9": "regression v1 v2 by id2 id4",
    "groupby_q10": "sum v3 count by id1:id6",
    "join_q1": "small inner on int",
    "join_q2": "medium inner on int",
    "join_q3": "medium outer on int",
    "join_q4": "medium inner on factor",
    "join_q5": "big inner on int",
}


def parse_chk(s):
    out = []
    for p in s.split(";"):
        p = p.strip()
        if p.lower() in ("nan", "na", "none", ""):
            out.append(float("nan"))
        else:
            out.append(float(p))
    return out


def chk_equal(a, b):
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if math.isnan(x) or math.isnan(y):
            if math.isnan(x) != math.isnan(y):
                return False
            continue
        if abs(x - y) > 1e-11 * max(1.0, abs(x), abs(y)):
            return False
    return True


def load_published():
    pub = {}
    with open(os.path.join(HERE, "published.csv")) as f:
        for r in csv.DictReader(f):
            floors = []
            for s in r["chk_floor"].split(";"):
                try:
                    floors.append(float(s))
                except ValueError:
                    floors.append(None)
            pub[r["task"] + "_" + r["question"]] = {
                "rows": int(r["rows"]),
                "out_rows": int(r["out_rows"]) if r["out_rows"] else None,
                "out_cols": int(r["out_cols"]) if r["out_cols"] else None,
                "floors": floors,
            }
    return pub


def check_published(p, out_rows, out_cols, chk):
    bad = []
    if p["out_rows"] is not None and out_rows != p["out_rows"]:
        bad.append("out_rows %d, published %d" % (out_rows, p["out_rows"]))
    if p["out_cols"] is not None and out_cols != p["out_cols"]:
        bad.append("out_cols %d, published %d" % (out_cols, p["out_cols"]))
    if len(chk) != len(p["floors"]):
        bad.append("chk has %d values, published %d" % (len(chk), len(p["floors"])))
    else:
        for i, (v, f) in enumerate(zip(chk, p["floors"])):
            if f is not None and (math.isnan(v) or math.floor(v) != f):
                bad.append("floor(chk[%d]) = %s, published %d" % (i, "nan" if math.isnan(v) else "%d" % math.floor(v), f))
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", default="bench/out/dbbench.csv")
    ap.add_argument("--mem", default="bench/out/dbbench_mem.csv")
    ap.add_argument("--rows", default="1e7")
    args = ap.parse_args()
    n = int(float(args.rows))

    rows = list(csv.DictReader(open(args.results)))
    mem = {}
    if os.path.exists(args.mem):
        for r in csv.DictReader(open(args.mem)):
            for task in r["task"].split("+"):
                mem[(r["system"], task)] = float(r["peak_rss_mb"])
    pub = load_published()

    res = {}  # question -> system -> run -> row
    systems = set()
    for r in rows:
        res.setdefault(r["question"], {}).setdefault(r["system"], {})[int(r["run"])] = r
        systems.add(r["system"])
    systems = [s for s in ORDER if s in systems] + sorted(systems - set(ORDER))

    problems = []
    bests = {}  # task -> question -> system -> best seconds
    questions = [q for q in TEXT if q in res] + sorted(set(res) - set(TEXT))
    for q in questions:
        task = q.split("_")[0]
        bysys = res[q]
        ref_sys = "polars" if "polars" in bysys else next(s for s in systems if s in bysys)
        ref_run = bysys[ref_sys][min(bysys[ref_sys])]
        ref = (int(ref_run["out_rows"]), int(ref_run["out_cols"]), parse_chk(ref_run["chk"]))
        p = pub.get(q) if pub.get(q, {}).get("rows") == n else None
        head = "%s  %s" % (q, TEXT.get(q, ""))
        if p:
            shape = "%s x %s" % (p["out_rows"] or "?", p["out_cols"] or "?")
            head += "   [published: %s, floor(chk) %s]" % (shape, ";".join("*" if f is None else "%d" % f for f in p["floors"]))
        print()
        print(head)
        print("  %-8s %9s %9s %21s  %-44s %s" % ("system", "run1 s", "run2 s", "rows x cols", "chk", "check"))
        best = {}
        for s in systems:
            if s not in bysys:
                continue
            runs = bysys[s]
            secs = {k: float(v["seconds"]) for k, v in runs.items()}
            best[s] = min(secs.values())
            bests.setdefault(task, {}).setdefault(q, {})[s] = best[s]
            verdicts = []
            for k in sorted(runs):
                r = runs[k]
                got = (int(r["out_rows"]), int(r["out_cols"]), parse_chk(r["chk"]))
                if got[0] != ref[0] or not chk_equal(got[2], ref[2]):
                    msg = "%s %s run %d: %d x %d chk %s, but %s has %d x %d chk %s" % (s, q, k, got[0], got[1], r["chk"], ref_sys, ref[0], ref[1], ref_run["chk"])
                    problems.append(msg)
                    verdicts.append("DIFFERS from %s" % ref_sys)
                elif got[1] != ref[1] and s != "pandas":
                    problems.append("%s %s run %d: %d columns, %s has %d" % (s, q, k, got[1], ref_sys, ref[1]))
                    verdicts.append("COLUMNS differ")
                if p:
                    bad = check_published(p, *got)
                    if bad:
                        problems.append("%s %s run %d vs published: %s" % (s, q, k, "; ".join(bad)))
                        verdicts.append("PUBLISHED MISMATCH")
            r1 = runs.get(1, runs[min(runs)])
            verdict = ", ".join(sorted(set(verdicts))) or ("ok, = published" if p else "ok")
            print("  %-8s %9s %9s %21s  %-44s %s" % (
                s,
                "%.3f" % secs[1] if 1 in secs else "-",
                "%.3f" % secs[2] if 2 in secs else "-",
                "%s x %s" % (r1["out_rows"], r1["out_cols"]),
                r1["chk"][:44],
                verdict,
            ))
        if "golab" in best and "polars" in best and best["polars"] > 0:
            print("  golab/polars (best run): %.2fx" % (best["golab"] / best["polars"]))

    for task in ("groupby", "join"):
        if task not in bests:
            continue
        present = [s for s in systems if any(s in b for b in bests[task].values())]
        common = [q for q, b in bests[task].items() if all(s in b for s in present)]
        left_out = [q for q in bests[task] if q not in common]
        t = {s: [sum(bests[task][q][s] for q in common), True] for s in present}
        print()
        print("TOTAL %s (sum over %d questions of the best of the runs)" % (task, len(common)))
        if left_out:
            print("  left out of the totals, not answered by every system: %s" % ", ".join(left_out))
        print("  %-8s %10s %12s %14s %18s" % ("system", "seconds", "vs polars", "peak RSS MB", "RSS vs polars"))
        pol = t.get("polars", [None])[0]
        pmem = mem.get(("polars", task))
        for s in systems:
            if s not in t:
                continue
            secs, complete = t[s]
            m = mem.get((s, task))
            print("  %-8s %10.3f %12s %14s %18s%s" % (
                s,
                secs,
                "%.2fx" % (secs / pol) if pol else "-",
                "%.0f" % m if m else "-",
                "%.2fx" % (m / pmem) if m and pmem else "-",
                "" if complete else "   (incomplete: some questions missing)",
            ))
        if "golab" in t and pol:
            r = t["golab"][0] / pol
            print("  => GoLab/Polars %s total: %.2fx (target <= 1.00x: %s)" % (task, r, "met" if r <= 1.0 else "NOT met"))

    print()
    if problems:
        bar = "!" * 78
        print(bar)
        print("!!! CHECKSUM MISMATCHES: %d" % len(problems))
        for m in problems:
            print("!!! " + m)
        print(bar)
        return 1
    print("All checksums agree across systems%s." % (" and with the published answers" if n == 10_000_000 else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
