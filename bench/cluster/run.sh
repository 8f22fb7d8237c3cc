#!/usr/bin/env bash
# GoLab cluster benchmark (make bench-cluster): the db-benchmark group-by
# questions on GoLab local and on 1 and 2 workers, Spark local mode and Dask
# LocalCluster, on the same data in one run; then the transport throughput
# against a raw loopback TCP copy. Writes bench/out/cluster.csv,
# cluster_shuffle.txt and cluster_report.txt; exits non-zero when a
# checksum disagrees across systems.
set -euo pipefail

usage() {
	cat <<USAGE
usage: bench/cluster/run.sh [options]
  --rows N          rows of the group-by data set (default 1e7; 1e6 is a quick run)
  --data DIR        dbgen data directory (default bench/data; generated when missing)
  --out DIR         output directory (default bench/out)
  --systems LIST    any of golab,golab-w1,golab-w2,spark,dask (default all)
  --runs N          runs per question (default 2)
  --questions LIST  subset, e.g. q1,q3 (default all ten)
  --shuffle-rows N  rows of the shuffle throughput table (default 4e6; 0 skips it)
  --venv DIR        virtualenv for Spark and Dask (default ~/.cache/golab/cluster-venv)
  --python EXE      Python 3.11 to create it with (default python3.11, else python3)
USAGE
}

ROWS=1e7 DATA=bench/data OUT=bench/out RUNS=2 QUESTIONS="" SHUFFLE_ROWS=4e6
SYSTEMS=golab,golab-w1,golab-w2,spark,dask
VENV=${CLUSTER_VENV:-$HOME/.cache/golab/cluster-venv}
PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
while [ $# -gt 0 ]; do
	case $1 in
	--rows) ROWS=$2; shift ;;
	--data) DATA=$2; shift ;;
	--out) OUT=$2; shift ;;
	--systems) SYSTEMS=$2; shift ;;
	--runs) RUNS=$2; shift ;;
	--questions) QUESTIONS=$2; shift ;;
	--shuffle-rows) SHUFFLE_ROWS=$2; shift ;;
	--venv) VENV=$2; shift ;;
	--python) PYTHON=$2; shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
	esac
	shift
done

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
mkdir -p "$OUT" "$DATA"
BIN=$(mktemp -d "${TMPDIR:-/tmp}/golab-bench-cluster-XXXXXX")
trap 'rm -rf "$BIN"' EXIT

has() { case ",$SYSTEMS," in *",$1,"*) return 0 ;; esac; return 1; }

echo "# building golab (workers), clusterbench, shufflebench"
go build -o "$BIN/golab" ./cmd/golab
go build -o "$BIN/clusterbench" ./bench/cluster/cmd/clusterbench
go build -o "$BIN/shufflebench" ./bench/cluster/cmd/shufflebench
go run ./bench/dbbench/cmd/dbgen -dir "$DATA" -rows "$ROWS" -task groupby -format parquet

if has spark || has dask; then
	if [ ! -x "$VENV/bin/python" ] || ! cmp -s "$HERE/requirements.txt" "$VENV/.requirements.txt"; then
		echo "# creating $VENV from bench/cluster/requirements.txt"
		"$PYTHON" -m venv "$VENV"
		"$VENV/bin/pip" install -q --upgrade pip
		"$VENV/bin/pip" install -q -r "$HERE/requirements.txt"
		cp "$HERE/requirements.txt" "$VENV/.requirements.txt"
	fi
fi

CSV=$OUT/cluster.csv
rm -f "$CSV"
gosys=""
has golab && gosys+=local,
has golab-w1 && gosys+=w1,
has golab-w2 && gosys+=w2,
if [ -n "$gosys" ]; then
	"$BIN/clusterbench" -data "$DATA" -rows "$ROWS" -systems "${gosys%,}" -bin "$BIN/golab" \
		-runs "$RUNS" -questions "$QUESTIONS" -out "$CSV"
fi
for s in spark dask; do
	if has $s; then
		"$VENV/bin/python" "$HERE/peers.py" --system $s --data "$DATA" --rows "$ROWS" --workers 2 \
			--runs "$RUNS" --questions "$QUESTIONS" --out "$CSV" 2> >(grep -v -e WARN -e Warning -e warn -e '^ *require_minimum' -e log4j -e setLogLevel >&2)
	fi
done

SHUF=$OUT/cluster_shuffle.txt
rm -f "$SHUF"
if [ "$SHUFFLE_ROWS" != 0 ]; then
	for w in 1 2; do
		"$BIN/shufflebench" -bin "$BIN/golab" -rows "$SHUFFLE_ROWS" -workers $w | tee -a "$SHUF"
	done
fi

python3 "$HERE/report.py" --results "$CSV" --shuffle "$SHUF" --rows "$ROWS" | tee "$OUT/cluster_report.txt"
exit "${PIPESTATUS[0]}"
