#!/usr/bin/env python3
"""Runs the db-benchmark group-by questions on Spark (local mode) or Dask
(distributed LocalCluster), for bench/cluster/run.sh:

    peers.py --system spark --data /tmp/dbdata --rows 1e7 --out out.csv

Same questions, CSV rows (system,question,run,seconds,out_rows,out_cols,chk)
and checksum format as bench/dbbench/peers.py, whose helpers (data_names,
parse_rows, make_chk, GROUPBY) are imported from there. The questions follow
db-benchmark's groupby-spark.py / groupby-dask.py, except that q6 uses
Spark's exact median() (the benchmark's percentile_approx would not give the
exact checksum). The table is loaded and cached before any timing; the
timed part produces the materialised answer (Spark: persist + count, as the
benchmark; Dask: compute to a pandas frame).

--workers sets Spark's local[N] and Dask's LocalCluster(n_workers=N,
threads_per_worker=1).
"""

import argparse
import csv
import gc
import os
import sys
import timeit

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "dbbench"))
from peers import GROUPBY, data_names, make_chk, parse_rows  # noqa: E402  (bench/dbbench/peers.py)


# ---------------------------------------------------------------- spark


def spark_system(path, workers, memory):
    import pyspark
    from pyspark import StorageLevel
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[%d]" % workers)
        .appName("golab-bench-cluster")
        .config("spark.driver.memory", memory)
        .config("spark.sql.shuffle.partitions", str(max(2, workers * 2)))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    x = spark.read.parquet(path).persist(StorageLevel.MEMORY_ONLY)
    x.count()
    x.createOrReplaceTempView("x")

    sql = {
        "q1": ("SELECT id1, sum(v1) AS v1 FROM x GROUP BY id1", ["v1"]),
        "q2": ("SELECT id1, id2, sum(v1) AS v1 FROM x GROUP BY id1, id2", ["v1"]),
        "q3": ("SELECT id3, sum(v1) AS v1, mean(v3) AS v3 FROM x GROUP BY id3", ["v1", "v3"]),
        "q4": ("SELECT id4, mean(v1) AS v1, mean(v2) AS v2, mean(v3) AS v3 FROM x GROUP BY id4", ["v1", "v2", "v3"]),
        "q5": ("SELECT id6, sum(v1) AS v1, sum(v2) AS v2, sum(v3) AS v3 FROM x GROUP BY id6", ["v1", "v2", "v3"]),
        "q6": ("SELECT id4, id5, median(v3) AS median_v3, stddev(v3) AS sd_v3 FROM x GROUP BY id4, id5", ["median_v3", "sd_v3"]),
        "q7": ("SELECT id3, max(v1) - min(v2) AS range_v1_v2 FROM x GROUP BY id3", ["range_v1_v2"]),
        "q8": (
            "SELECT id6, largest2_v3 FROM (SELECT id6, v3 AS largest2_v3, "
            "row_number() OVER (PARTITION BY id6 ORDER BY v3 DESC) AS order_v3 FROM x WHERE v3 IS NOT NULL) sub_query "
            "WHERE order_v3 <= 2",
            ["largest2_v3"],
        ),
        "q9": ("SELECT id2, id4, pow(corr(v1, v2), 2) AS r2 FROM x GROUP BY id2, id4", ["r2"]),
        "q10": ("SELECT id1, id2, id3, id4, id5, id6, sum(v3) AS v3, count(*) AS count FROM x GROUP BY id1, id2, id3, id4, id5, id6", ["v3", "count"]),
    }
    state = {}

    def q(name):
        if "ans" in state:
            state.pop("ans").unpersist(blocking=True)
        query, cols = sql[name]
        ans = spark.sql(query).persist(StorageLevel.MEMORY_ONLY)
        rows = ans.count()
        state["ans"] = ans

        def chk():
            from pyspark.sql import functions as F

            r = ans.agg(*[F.sum(c) for c in cols]).collect()[0]
            return [r[i] for i in range(len(cols))]

        return (rows, len(ans.columns)), chk

    return q, "spark " + pyspark.__version__, spark.stop


# ---------------------------------------------------------------- dask


def dask_system(path, workers, memory):
    import dask
    import dask.dataframe as dd
    import pandas as pd
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, memory_limit=memory, dashboard_address=None)
    client = Client(cluster)
    x = dd.read_parquet(path)
    for c in ("id1", "id2", "id3"):
        x[c] = x[c].astype("category").cat.as_known()
    x = x.persist()
    len(x)

    def agg(by, spec):
        return x.groupby(by, dropna=False, observed=True).agg(spec)

    def q8():
        return (
            x[~x["v3"].isna()][["id6", "v3"]]
            .groupby("id6", dropna=False, observed=True)
            .apply(lambda d: d.nlargest(2, columns="v3"), meta={"v3": "float64"})
            .rename(columns={"v3": "largest2_v3"})
        )

    def q9():
        return (
            x[["id2", "id4", "v1", "v2"]]
            .groupby(["id2", "id4"], dropna=False, observed=True)
            .apply(lambda d: pd.Series({"r2": d[["v1", "v2"]].corr().iloc[0, 1] ** 2}), meta={"r2": "float64"})
        )

    queries = {
        "q1": (lambda: agg("id1", {"v1": "sum"}), ["v1"]),
        "q2": (lambda: agg(["id1", "id2"], {"v1": "sum"}), ["v1"]),
        "q3": (lambda: agg("id3", {"v1": "sum", "v3": "mean"}), ["v1", "v3"]),
        "q4": (lambda: agg("id4", {"v1": "mean", "v2": "mean", "v3": "mean"}), ["v1", "v2", "v3"]),
        "q5": (lambda: agg("id6", {"v1": "sum", "v2": "sum", "v3": "sum"}), ["v1", "v2", "v3"]),
        "q6": (
            lambda: x.groupby(["id4", "id5"], dropna=False, observed=True)
            .agg(median_v3=("v3", "median"), sd_v3=("v3", "std"), shuffle_method="tasks"),
            ["median_v3", "sd_v3"],
        ),
        "q7": (lambda: agg("id3", {"v1": "max", "v2": "min"}).assign(range_v1_v2=lambda d: d["v1"] - d["v2"])[["range_v1_v2"]], ["range_v1_v2"]),
        "q8": (q8, ["largest2_v3"]),
        "q9": (q9, ["r2"]),
        "q10": (
            lambda: x.groupby(["id1", "id2", "id3", "id4", "id5", "id6"], dropna=False, observed=True)
            .agg(v3=("v3", "sum"), count=("v1", "size"), split_out=max(2, workers)),
            ["v3", "count"],
        ),
    }

    def q(name):
        fn, cols = queries[name]
        ans = fn().compute()
        if name == "q8":  # index (id6, row of x)
            ans = ans.droplevel(-1)
        ans = ans.reset_index()
        return ans.shape, lambda: [ans[c].sum() for c in cols]

    def stop():
        client.close()
        cluster.close()

    return q, "dask " + dask.__version__, stop


SYSTEMS = {"spark": spark_system, "dask": dask_system}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--system", required=True, choices=sorted(SYSTEMS))
    ap.add_argument("--data", default="bench/data", help="directory with the dbgen files")
    ap.add_argument("--rows", default="1e7", help="rows of the data set (1e7, 1e6, ...)")
    ap.add_argument("--workers", type=int, default=2, help="Spark local[N] threads / Dask worker processes")
    ap.add_argument("--memory", default="4GiB", help="Spark driver memory / Dask memory per worker")
    ap.add_argument("--questions", default="", help="comma-separated subset, e.g. q1,q3")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--out", required=True, help="CSV file to append result rows to")
    args = ap.parse_args()

    n = parse_rows(args.rows)
    path = os.path.join(args.data, data_names("groupby", n)["x"] + ".parquet")
    if not os.path.exists(path):
        raise SystemExit("peers.py: missing %s; generate it with: go run ./bench/dbbench/cmd/dbgen -dir %s -rows %s" % (path, args.data, args.rows))
    mem = args.memory
    if args.system == "spark":  # JVM spelling: 4g
        mem = mem.lower().replace("gib", "g").replace("mib", "m")

    print("# %s: loading %s" % (args.system, path), flush=True)
    t0 = timeit.default_timer()
    q, version, stop = SYSTEMS[args.system](path, args.workers, mem)
    print("# %s loaded in %.1fs" % (version, timeit.default_timer() - t0), flush=True)

    questions = GROUPBY
    if args.questions:
        want = set(args.questions.split(","))
        questions = [qq for qq in questions if qq[0] in want]
    new = not os.path.exists(args.out) or os.path.getsize(args.out) == 0
    try:
        with open(args.out, "a", newline="") as f:
            w = csv.writer(f)
            if new:
                w.writerow(["system", "question", "run", "seconds", "out_rows", "out_cols", "chk"])
            for qid, text in questions:
                for run in range(1, args.runs + 1):
                    gc.collect()
                    t = timeit.default_timer()
                    shape, chk = q(qid)
                    t = timeit.default_timer() - t
                    c = make_chk(chk())
                    w.writerow([args.system, "groupby_%s" % qid, run, "%.6f" % t, shape[0], shape[1], c])
                    f.flush()
                    print("%-7s groupby_%-4s run %d %8.3fs %10d x %-3d chk=%s  (%s)" % (args.system, qid, run, t, shape[0], shape[1], c, text), flush=True)
                    del chk
    finally:
        stop()


if __name__ == "__main__":
    sys.exit(main())
