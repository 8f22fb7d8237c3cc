#!/usr/bin/env python3
"""Prints the cluster comparison from bench/out/cluster.csv.

    report.py --results bench/out/cluster.csv [--shuffle bench/out/cluster_shuffle.txt]

Per group-by question: the best run of GoLab local (golab), GoLab on 1 and
2 workers (golab-w1, golab-w2), Spark local mode and Dask LocalCluster, and
the ratios w1/local, w2/local, spark/w2 and dask/w2 (> 1: GoLab-w2 faster);
then the totals of the best runs. Checksums and answer rows of every run of
every system are compared with GoLab local's first run (bench/dbbench's
parse_chk/chk_equal: floats within a relative 1e-11); a mismatch is printed
and makes the exit status 1. Only the standard library is used.
"""

import argparse
import csv
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "dbbench"))
from report import TEXT, chk_equal, parse_chk  # noqa: E402  (bench/dbbench/report.py)

ORDER = ["golab", "golab-w1", "golab-w2", "spark", "dask"]
RATIOS = [("w1/local", "golab-w1", "golab"), ("w2/local", "golab-w2", "golab"), ("spark/w2", "spark", "golab-w2"), ("dask/w2", "dask", "golab-w2")]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", default="bench/out/cluster.csv")
    ap.add_argument("--shuffle", default="", help="shufflebench output to append")
    ap.add_argument("--rows", default="")
    args = ap.parse_args()

    rows = list(csv.DictReader(open(args.results)))
    systems = [s for s in ORDER if any(r["system"] == s for r in rows)]
    systems += sorted({r["system"] for r in rows} - set(systems))
    questions = []
    for r in rows:
        if r["question"] not in questions:
            questions.append(r["question"])
    questions.sort(key=lambda q: int(q.split("_q")[1]))
    best, runs, ref = {}, {}, {}
    for r in rows:
        key = (r["system"], r["question"])
        t = float(r["seconds"])
        best[key] = min(best.get(key, math.inf), t)
        runs.setdefault(key, []).append(r)
    bad = []
    for q in questions:
        base = runs.get(("golab", q)) or next(runs[(s, q)] for s in systems if (s, q) in runs)
        ref = base[0]
        for s in systems:
            for r in runs.get((s, q), []):
                if int(r["out_rows"]) != int(ref["out_rows"]) or not chk_equal(parse_chk(r["chk"]), parse_chk(ref["chk"])):
                    bad.append("%s %s run %s: %s rows chk=%s, reference (%s) %s rows chk=%s" % (
                        s, q, r["run"], r["out_rows"], r["chk"], ref["system"], ref["out_rows"], ref["chk"]))

    title = "GoLab cluster vs local, Spark local mode, Dask LocalCluster: db-benchmark group-by"
    if args.rows:
        title += ", %s rows" % args.rows
    print(title)
    print("best of the runs, seconds; ratio a/b > 1 means b is faster\n")
    w = max(len(s) for s in systems) + 1
    hdr = "%-12s %-28s" % ("question", "") + "".join("%*s" % (max(w, 9), s) for s in systems)
    ratios = [(n, a, b) for n, a, b in RATIOS if a in systems and b in systems]
    hdr += "".join("%10s" % n for n, _, _ in ratios) + "  chk"
    print(hdr)
    tot = {s: 0.0 for s in systems}
    complete = {s: True for s in systems}
    for q in questions:
        line = "%-12s %-28s" % (q, TEXT.get(q, "")[:28])
        for s in systems:
            t = best.get((s, q))
            if t is None:
                complete[s] = False
                line += "%*s" % (max(w, 9), "-")
            else:
                tot[s] += t
                line += "%*.3f" % (max(w, 9), t)
        for _, a, b in ratios:
            ta, tb = best.get((a, q)), best.get((b, q))
            line += "%10s" % ("%.2fx" % (ta / tb) if ta and tb else "-")
        line += "  " + ("MISMATCH" if any((" %s run" % q) in x for x in bad) else "ok")
        print(line)
    line = "%-12s %-28s" % ("total", "")
    for s in systems:
        line += "%*.3f" % (max(w, 9), tot[s]) + ("" if complete[s] else "*")
    for _, a, b in ratios:  # over the questions both systems answered
        common = [q for q in questions if (a, q) in best and (b, q) in best]
        ta, tb = sum(best[(a, q)] for q in common), sum(best[(b, q)] for q in common)
        line += "%10s" % ("%.2fx" % (ta / tb) if tb else "-")
    print(line)
    if not all(complete.values()):
        print("* some questions missing for this system; total ratios use the questions both systems answered")
    print("\nchecksums: %d runs of %d systems compared with golab local: %s" % (
        len(rows), len(systems), "all equal" if not bad else "%d MISMATCHES" % len(bad)))
    if bad:
        print("\n" + "!" * 72)
        for b in bad:
            print("CHECKSUM MISMATCH: " + b)
        print("!" * 72)
    if args.shuffle and os.path.exists(args.shuffle):
        print("\nshuffle throughput (cmd/shufflebench):")
        print(open(args.shuffle).read().rstrip())
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
