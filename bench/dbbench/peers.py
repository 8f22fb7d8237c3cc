#!/usr/bin/env python3
"""Runs the db-benchmark questions on Polars, DuckDB or pandas.

One system and one task per process, so that the process's peak RSS is that
system's peak memory for the task:

    peers.py --system polars --task groupby --data bench/data --rows 1e7 --out out.csv

Writes CSV rows system,question,run,seconds,out_rows,out_cols,chk (appending
to --out, header written when the file is new) and one line
system,task,peak_rss_mb to --mem. The questions and checksums are those of
h2oai/duckdblabs db-benchmark (groupby-*.py, join-*.py): two runs per
question; the timed part is the query producing the answer (materialised);
chk is the sums of the answer's measure columns, joined with ';'.

Data are loaded from the Parquet (default) or CSV files written by dbgen,
before any timing, and converted as the benchmark scripts do (Categorical /
category / ENUM string keys).
"""

import argparse
import csv
import gc
import os
import resource
import sys
import timeit


def pretty_sci(n):
    s = str(n)
    if len(s) > 1 and s[1:].strip("0") == "":
        return "%se%d" % (s[0], len(s) - 1)
    if len(s) == 1:
        return s + "e0"
    return s


def join_sizes(n):
    small = max(10, (n // 1_000_000) // 10 * 10)
    medium = max(10, (n // 1_000) // 10 * 10)
    return small, medium, n


def data_names(task, n, k=100):
    if task == "groupby":
        return {"x": "G1_%s_%s_0_0" % (pretty_sci(n), pretty_sci(k))}
    s, m, b = join_sizes(n)
    p = pretty_sci(n)
    return {
        "x": "J1_%s_NA_0_0" % p,
        "small": "J1_%s_%s_0_0" % (p, pretty_sci(s)),
        "medium": "J1_%s_%s_0_0" % (p, pretty_sci(m)),
        "big": "J1_%s_%s_0_0" % (p, pretty_sci(b)),
    }


def parse_rows(s):
    v = float(s)
    if v < 1 or v != int(v):
        raise SystemExit("peers.py: --rows wants a positive integer such as 1e7, got %r" % s)
    return int(v)


def fmt(v):
    """Formats one checksum value: integers exactly, floats with full precision."""
    try:
        import numpy as np

        if isinstance(v, (np.integer,)):
            return str(int(v))
        if isinstance(v, (np.floating,)):
            v = float(v)
    except ImportError:
        pass
    if v is None:
        return "NA"
    if isinstance(v, bool):
        return str(int(v))
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return str(int(v))
    return repr(float(v))


def make_chk(values):
    return ";".join(fmt(v) for v in values)


GROUPBY = [
    ("q1", "sum v1 by id1"),
    ("q2", "sum v1 by id1:id2"),
    ("q3", "sum v1 mean v3 by id3"),
    ("q4", "mean v1:v3 by id4"),
    ("q5", "sum v1:v3 by id6"),
    ("q6", "median v3 sd v3 by id4 id5"),
    ("q7", "max v1 - min v2 by id3"),
    ("q8", "largest two v3 by id6"),
    ("q9", "regression v1 v2 by id2 id4"),
    ("q10", "sum v3 count by id1:id6"),
]
JOIN = [
    ("q1", "small inner on int"),
    ("q2", "medium inner on int"),
    ("q3", "medium outer on int"),
    ("q4", "medium inner on factor"),
    ("q5", "big inner on int"),
]


# ---------------------------------------------------------------- polars


def polars_system(task, paths, fmt_):
    import polars as pl

    # Joins on Categorical keys (join q4) need one string cache across
    # tables; newer Polars has global categories and deprecates StringCache.
    if hasattr(pl, "StringCache") and not hasattr(pl, "Categories"):
        pl.StringCache().__enter__()

    def load(path, cats):
        df = pl.read_parquet(path) if fmt_ == "parquet" else pl.read_csv(path)
        casts = [pl.col(c).cast(pl.Categorical) for c in cats if c in df.columns]
        # CSV integers come in as Int64; the benchmark reads them as Int32.
        ints = [pl.col(c).cast(pl.Int32) for c, t in df.schema.items() if t == pl.Int64]
        return df.with_columns(casts + ints).rechunk()

    import inspect

    explode_kw = {"empty_as_null": True} if "empty_as_null" in inspect.signature(pl.LazyFrame.explode).parameters else {}

    if task == "groupby":
        x = load(paths["x"], ["id1", "id2", "id3"]).lazy()

        def q(name):
            if name == "q1":
                a = x.group_by("id1").agg(pl.sum("v1").alias("v1_sum")).collect()
                return a, lambda: [a["v1_sum"].cast(pl.Int64).sum()]
            if name == "q2":
                a = x.group_by(["id1", "id2"]).agg(pl.sum("v1").alias("v1_sum")).collect()
                return a, lambda: [a["v1_sum"].cast(pl.Int64).sum()]
            if name == "q3":
                a = x.group_by("id3").agg([pl.sum("v1").alias("v1_sum"), pl.mean("v3").alias("v3_mean")]).collect()
                return a, lambda: [a["v1_sum"].cast(pl.Int64).sum(), a["v3_mean"].sum()]
            if name == "q4":
                a = x.group_by("id4").agg([pl.mean("v1").alias("v1_mean"), pl.mean("v2").alias("v2_mean"), pl.mean("v3").alias("v3_mean")]).collect()
                return a, lambda: [a["v1_mean"].sum(), a["v2_mean"].sum(), a["v3_mean"].sum()]
            if name == "q5":
                a = x.group_by("id6").agg([pl.sum("v1").alias("v1_sum"), pl.sum("v2").alias("v2_sum"), pl.sum("v3").alias("v3_sum")]).collect()
                return a, lambda: [a["v1_sum"].cast(pl.Int64).sum(), a["v2_sum"].cast(pl.Int64).sum(), a["v3_sum"].sum()]
            if name == "q6":
                a = x.group_by(["id4", "id5"]).agg([pl.median("v3").alias("v3_median"), pl.std("v3").alias("v3_std")]).collect()
                return a, lambda: [a["v3_median"].sum(), a["v3_std"].sum()]
            if name == "q7":
                a = x.group_by("id3").agg([(pl.max("v1") - pl.min("v2")).alias("range_v1_v2")]).collect()
                return a, lambda: [a["range_v1_v2"].cast(pl.Int64).sum()]
            if name == "q8":
                a = x.drop_nulls("v3").group_by("id6").agg(pl.col("v3").top_k(2).alias("largest2_v3")).explode("largest2_v3", **explode_kw).collect()
                return a, lambda: [a["largest2_v3"].sum()]
            if name == "q9":
                a = x.group_by(["id2", "id4"]).agg((pl.corr("v1", "v2", method="pearson") ** 2).alias("r2")).collect()
                return a, lambda: [a["r2"].sum()]
            if name == "q10":
                a = x.group_by(["id1", "id2", "id3", "id4", "id5", "id6"]).agg([pl.sum("v3").alias("v3"), pl.count("v1").alias("count")]).collect()
                return a, lambda: [a["v3"].sum(), a["count"].cast(pl.Int64).sum()]
            raise KeyError(name)

        return q, pl.__version__

    x = load(paths["x"], ["id4", "id5", "id6"]).lazy()
    small = load(paths["small"], ["id4"]).lazy()
    medium = load(paths["medium"], ["id4", "id5"]).lazy()
    big = load(paths["big"], ["id4", "id5", "id6"]).lazy()

    def q(name):
        if name == "q1":
            a = x.join(small, on="id1").collect()
        elif name == "q2":
            a = x.join(medium, on="id2").collect()
        elif name == "q3":
            a = x.join(medium, how="left", on="id2").collect()
        elif name == "q4":
            a = x.join(medium, on="id5").collect()
        elif name == "q5":
            a = x.join(big, on="id3").collect()
        else:
            raise KeyError(name)
        return a, lambda: [a["v1"].sum(), a["v2"].sum()]

    return q, pl.__version__


# ---------------------------------------------------------------- duckdb


def duckdb_system(task, paths, fmt_):
    import duckdb

    con = duckdb.connect(database=":memory:")
    con.execute("SET enable_progress_bar = false")
    con.execute("PRAGMA threads=%d" % os.cpu_count())

    def src(path):
        p = path.replace("'", "''")
        return "read_parquet('%s')" % p if fmt_ == "parquet" else "read_csv_auto('%s')" % p

    if task == "groupby":
        # As groupby-duckdb.py, but v3 DOUBLE (the script uses FLOAT, whose
        # rounding would make its checksums differ from every other system).
        con.execute("CREATE TABLE y AS SELECT id1::VARCHAR id1, id2::VARCHAR id2, id3::VARCHAR id3, id4::INT id4, id5::INT id5, id6::INT id6, v1::INT v1, v2::INT v2, v3::DOUBLE v3 FROM %s" % src(paths["x"]))
        con.execute("CREATE TYPE id1ENUM AS ENUM (SELECT id1 FROM y WHERE id1 IS NOT NULL)")
        con.execute("CREATE TYPE id2ENUM AS ENUM (SELECT id2 FROM y WHERE id2 IS NOT NULL)")
        con.execute("CREATE TABLE x(id1 id1ENUM, id2 id2ENUM, id3 VARCHAR, id4 INT, id5 INT, id6 INT, v1 INT, v2 INT, v3 DOUBLE)")
        con.execute("INSERT INTO x (SELECT * FROM y)")
        con.execute("DROP TABLE y")
        sql = {
            "q1": ("SELECT id1, sum(v1) AS v1 FROM x GROUP BY id1", "SELECT sum(v1) FROM ans"),
            "q2": ("SELECT id1, id2, sum(v1) AS v1 FROM x GROUP BY id1, id2", "SELECT sum(v1) FROM ans"),
            "q3": ("SELECT id3, sum(v1) AS v1, avg(v3) AS v3 FROM x GROUP BY id3", "SELECT sum(v1), sum(v3) FROM ans"),
            "q4": ("SELECT id4, avg(v1) AS v1, avg(v2) AS v2, avg(v3) AS v3 FROM x GROUP BY id4", "SELECT sum(v1), sum(v2), sum(v3) FROM ans"),
            "q5": ("SELECT id6, sum(v1) AS v1, sum(v2) AS v2, sum(v3) AS v3 FROM x GROUP BY id6", "SELECT sum(v1), sum(v2), sum(v3) FROM ans"),
            "q6": ("SELECT id4, id5, quantile_cont(v3, 0.5) AS median_v3, stddev(v3) AS sd_v3 FROM x GROUP BY id4, id5", "SELECT sum(median_v3), sum(sd_v3) FROM ans"),
            "q7": ("SELECT id3, max(v1)-min(v2) AS range_v1_v2 FROM x GROUP BY id3", "SELECT sum(range_v1_v2) FROM ans"),
            "q8": ("SELECT id6, unnest(max(v3, 2)) largest2_v3 FROM x WHERE v3 IS NOT NULL GROUP BY id6", "SELECT sum(largest2_v3) FROM ans"),
            "q9": ("SELECT id2, id4, pow(corr(v1, v2), 2) AS r2 FROM x GROUP BY id2, id4", "SELECT sum(r2) FROM ans"),
            "q10": ("SELECT id1, id2, id3, id4, id5, id6, sum(v3) AS v3, count(*) AS count FROM x GROUP BY id1, id2, id3, id4, id5, id6", "SELECT sum(v3), sum(count) FROM ans"),
        }
    else:
        for t in ("x", "small", "medium", "big"):
            con.execute("CREATE TABLE %s AS SELECT * FROM %s" % (t, src(paths[t])))
        chk = "SELECT sum(v1), sum(v2) FROM ans"
        sql = {
            "q1": ("SELECT x.*, small.id4 AS small_id4, v2 FROM x JOIN small USING (id1)", chk),
            "q2": ("SELECT x.*, medium.id1 AS medium_id1, medium.id4 AS medium_id4, medium.id5 AS medium_id5, v2 FROM x JOIN medium USING (id2)", chk),
            "q3": ("SELECT x.*, medium.id1 AS medium_id1, medium.id4 AS medium_id4, medium.id5 AS medium_id5, v2 FROM x LEFT JOIN medium USING (id2)", chk),
            "q4": ("SELECT x.*, medium.id1 AS medium_id1, medium.id2 AS medium_id2, medium.id4 AS medium_id4, v2 FROM x JOIN medium USING (id5)", chk),
            "q5": ("SELECT x.*, big.id1 AS big_id1, big.id2 AS big_id2, big.id4 AS big_id4, big.id5 AS big_id5, big.id6 AS big_id6, v2 FROM x JOIN big USING (id3)", chk),
        }

    class Ans:
        shape = (0, 0)

    def q(name):
        query, chk_sql = sql[name]
        con.execute("DROP TABLE IF EXISTS ans")
        con.execute("CREATE TEMP TABLE ans AS " + query)
        nr = con.execute("SELECT count(*) FROM ans").fetchone()[0]
        nc = len(con.execute("SELECT * FROM ans LIMIT 0").description)
        a = Ans()
        a.shape = (nr, nc)
        return a, lambda: list(con.execute(chk_sql).fetchone())

    return q, duckdb.__version__


# ---------------------------------------------------------------- pandas


def pandas_system(task, paths, fmt_):
    import pandas as pd

    def load(path, cats):
        if fmt_ == "parquet":
            import pyarrow.parquet as pq

            df = pq.read_table(path).to_pandas()
        else:
            df = pd.read_csv(path, engine="pyarrow")
        for c in cats:
            if c in df.columns:
                df[c] = df[c].astype("category")
        return df

    gb = dict(as_index=False, sort=False, observed=True, dropna=False)
    if task == "groupby":
        x = load(paths["x"], ["id1", "id2", "id3"])

        def q(name):
            if name == "q1":
                a = x.groupby("id1", **gb).agg({"v1": "sum"})
                return a, lambda: [a["v1"].sum()]
            if name == "q2":
                a = x.groupby(["id1", "id2"], **gb).agg({"v1": "sum"})
                return a, lambda: [a["v1"].sum()]
            if name == "q3":
                a = x.groupby("id3", **gb).agg({"v1": "sum", "v3": "mean"})
                return a, lambda: [a["v1"].sum(), a["v3"].sum()]
            if name == "q4":
                a = x.groupby("id4", **gb).agg({"v1": "mean", "v2": "mean", "v3": "mean"})
                return a, lambda: [a["v1"].sum(), a["v2"].sum(), a["v3"].sum()]
            if name == "q5":
                a = x.groupby("id6", **gb).agg({"v1": "sum", "v2": "sum", "v3": "sum"})
                return a, lambda: [a["v1"].sum(), a["v2"].sum(), a["v3"].sum()]
            if name == "q6":
                a = x.groupby(["id4", "id5"], **gb).agg({"v3": ["median", "std"]})
                return a, lambda: [a["v3"]["median"].sum(), a["v3"]["std"].sum()]
            if name == "q7":
                a = x.groupby("id3", **gb).agg({"v1": "max", "v2": "min"}).assign(range_v1_v2=lambda d: d["v1"] - d["v2"])[["id3", "range_v1_v2"]]
                return a, lambda: [a["range_v1_v2"].sum()]
            if name == "q8":
                a = x[~x["v3"].isna()][["id6", "v3"]].sort_values("v3", ascending=False).groupby("id6", **gb).head(2)
                a = a.reset_index(drop=True)
                return a, lambda: [a["v3"].sum()]
            if name == "q9":
                # groupby-pandas.py's apply(lambda) (its x['x'] typo fixed).
                a = x[["id2", "id4", "v1", "v2"]].groupby(["id2", "id4"], **gb).apply(lambda d: d["v1"].corr(d["v2"]) ** 2, include_groups=False).rename(columns={None: "r2"})
                return a, lambda: [a["r2"].sum()]
            if name == "q10":
                a = x.groupby(["id1", "id2", "id3", "id4", "id5", "id6"], **gb).agg({"v3": "sum", "v1": "size"})
                return a, lambda: [a["v3"].sum(), a["v1"].sum()]
            raise KeyError(name)

        return q, pd.__version__

    x = load(paths["x"], ["id4", "id5", "id6"])
    small = load(paths["small"], ["id4"])
    medium = load(paths["medium"], ["id4", "id5"])
    big = load(paths["big"], ["id4", "id5", "id6"])

    def q(name):
        if name == "q1":
            a = x.merge(small, on="id1")
        elif name == "q2":
            a = x.merge(medium, on="id2")
        elif name == "q3":
            a = x.merge(medium, how="left", on="id2")
        elif name == "q4":
            a = x.merge(medium, on="id5")
        elif name == "q5":
            a = x.merge(big, on="id3")
        else:
            raise KeyError(name)
        return a, lambda: [a["v1"].sum(), a["v2"].sum()]

    return q, pd.__version__


SYSTEMS = {"polars": polars_system, "duckdb": duckdb_system, "pandas": pandas_system}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--system", required=True, choices=sorted(SYSTEMS))
    ap.add_argument("--task", required=True, choices=["groupby", "join"])
    ap.add_argument("--data", default="bench/data", help="directory with the dbgen files")
    ap.add_argument("--rows", default="1e7", help="rows of the data set (1e7, 1e6, ...)")
    ap.add_argument("--format", default="parquet", choices=["parquet", "csv"])
    ap.add_argument("--questions", default="", help="comma-separated subset, e.g. q1,q3")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--out", required=True, help="CSV file to append result rows to")
    ap.add_argument("--mem", default="", help="CSV file to append system,task,peak_rss_mb to")
    args = ap.parse_args()

    n = parse_rows(args.rows)
    paths = {k: os.path.join(args.data, v + "." + args.format) for k, v in data_names(args.task, n).items()}
    for p in paths.values():
        if not os.path.exists(p):
            raise SystemExit("peers.py: missing %s; generate it with: go run ./bench/dbbench/cmd/dbgen -dir %s -rows %s" % (p, args.data, args.rows))

    print("# %s %s: loading %s" % (args.system, args.task, ", ".join(sorted(paths.values()))), flush=True)
    t0 = timeit.default_timer()
    q, version = SYSTEMS[args.system](args.task, paths, args.format)
    print("# %s %s loaded in %.1fs" % (args.system, version, timeit.default_timer() - t0), flush=True)

    questions = GROUPBY if args.task == "groupby" else JOIN
    if args.questions:
        want = set(args.questions.split(","))
        questions = [qq for qq in questions if qq[0] in want]

    new = not os.path.exists(args.out) or os.path.getsize(args.out) == 0
    with open(args.out, "a", newline="") as f:
        w = csv.writer(f)
        if new:
            w.writerow(["system", "question", "run", "seconds", "out_rows", "out_cols", "chk"])
        for qid, text in questions:
            for run in range(1, args.runs + 1):
                gc.collect()
                t = timeit.default_timer()
                ans, chk = q(qid)
                shape = ans.shape
                t = timeit.default_timer() - t
                c = make_chk(chk())
                w.writerow([args.system, "%s_%s" % (args.task, qid), run, "%.6f" % t, shape[0], shape[1], c])
                f.flush()
                print("%-7s %s_%-4s run %d %8.3fs %10d x %-3d chk=%s  (%s)" % (args.system, args.task, qid, run, t, shape[0], shape[1], c, text), flush=True)
                del ans, chk

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print("# %s %s peak RSS %.0f MB" % (args.system, args.task, peak_mb), flush=True)
    if args.mem:
        new = not os.path.exists(args.mem) or os.path.getsize(args.mem) == 0
        with open(args.mem, "a", newline="") as f:
            w = csv.writer(f)
            if new:
                w.writerow(["system", "task", "peak_rss_mb"])
            w.writerow([args.system, args.task, "%.0f" % peak_mb])


if __name__ == "__main__":
    sys.exit(main())
