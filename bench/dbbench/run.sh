#!/usr/bin/env bash
# run.sh - the db-benchmark, GoLab side by side with Polars, DuckDB and pandas.
#
#   bench/dbbench/run.sh                 # 1e7 rows, all systems, both tasks
#   bench/dbbench/run.sh --rows 1e6      # smoke run
#
# Steps: make (or reuse) a virtualenv with requirements.txt; generate the data
# once into the cache dir (dbgen skips files that exist); run every system,
# one process per system and task (two runs per question); write
# $OUT/dbbench.csv (system,question,run,seconds,out_rows,out_cols,chk) and
# $OUT/dbbench_mem.csv (peak RSS); print the report. The exit status is
# non-zero when any checksum disagrees (across systems or with the
# published answers) or a system fails.
#
# Options:
#   --rows N        rows of the data sets (default 1e7)
#   --tasks LIST    groupby,join (default both)
#   --systems LIST  golab,polars,duckdb,pandas (default all)
#   --runs N        runs per question (default 2, as the benchmark)
#   --format F      parquet (default) or csv: the files systems load
#   --data DIR      data cache (default bench/data)
#   --out DIR       results (default bench/out)
#   --venv DIR      virtualenv (default ${XDG_CACHE_HOME:-~/.cache}/golab/dbbench-venv)
#   --python EXE    interpreter for the virtualenv (default python3.11, else python3)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

ROWS=1e7
TASKS=groupby,join
SYSTEMS=golab,polars,duckdb,pandas
RUNS=2
FORMAT=parquet
DATA=bench/data
OUT=bench/out
VENV="${XDG_CACHE_HOME:-$HOME/.cache}/golab/dbbench-venv"
PYTHON="$(command -v python3.11 || command -v python3)"

while [ $# -gt 0 ]; do
	case "$1" in
	--rows) ROWS="$2"; shift 2 ;;
	--tasks) TASKS="$2"; shift 2 ;;
	--systems) SYSTEMS="$2"; shift 2 ;;
	--runs) RUNS="$2"; shift 2 ;;
	--format) FORMAT="$2"; shift 2 ;;
	--data) DATA="$2"; shift 2 ;;
	--out) OUT="$2"; shift 2 ;;
	--venv) VENV="$2"; shift 2 ;;
	--python) PYTHON="$2"; shift 2 ;;
	-h|--help) sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//;/^set -e/d'; exit 0 ;;
	*) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
done

say() { printf '\n== %s\n' "$*" >&2; }
has() { case ",$1," in *",$2,"*) return 0 ;; *) return 1 ;; esac; }

needs_python=false
for s in polars duckdb pandas; do has "$SYSTEMS" "$s" && needs_python=true; done

# 1. virtualenv (reinstalled when requirements.txt changes)
if $needs_python; then
	REQ=bench/dbbench/requirements.txt
	if [ ! -x "$VENV/bin/python" ] || ! cmp -s "$REQ" "$VENV/.dbbench-requirements"; then
		say "virtualenv $VENV ($("$PYTHON" --version 2>&1))"
		"$PYTHON" -m venv "$VENV"
		"$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQ"
		cp "$REQ" "$VENV/.dbbench-requirements"
	fi
	PY="$VENV/bin/python"
fi

# 2. data, generated once
say "data ($ROWS rows) in $DATA"
go run ./bench/dbbench/cmd/dbgen -dir "$DATA" -rows "$ROWS" -task "$TASKS" -format csv,parquet

# 3. systems
mkdir -p "$OUT"
RES="$OUT/dbbench.csv"
MEM="$OUT/dbbench_mem.csv"
LOG="$OUT/dbbench.log"
rm -f "$RES" "$MEM"
: >"$LOG"
if has "$SYSTEMS" golab; then
	go build -o "$OUT/dbgolab" ./bench/dbbench/cmd/dbgolab
fi

failed=()
IFS=, read -r -a tasks <<<"$TASKS"
IFS=, read -r -a systems <<<"$SYSTEMS"
for task in "${tasks[@]}"; do
	for sys in "${systems[@]}"; do
		say "$sys $task"
		if [ "$sys" = golab ]; then
			cmd=("$OUT/dbgolab" -data "$DATA" -rows "$ROWS" -task "$task" -runs "$RUNS" -format "$FORMAT" -out "$RES" -mem "$MEM")
		else
			cmd=("$PY" -W ignore bench/dbbench/peers.py --system "$sys" --task "$task" --data "$DATA" --rows "$ROWS" --runs "$RUNS" --format "$FORMAT" --out "$RES" --mem "$MEM")
		fi
		if ! "${cmd[@]}" 2>&1 | tee -a "$LOG" >&2; then
			failed+=("$sys/$task")
		fi
	done
done

# 4. report
say "report"
status=0
python3 bench/dbbench/report.py --results "$RES" --mem "$MEM" --rows "$ROWS" | tee "$OUT/dbbench_report.txt" || status=1
if [ ${#failed[@]} -gt 0 ]; then
	echo "!!! FAILED: ${failed[*]} (see $LOG)" | tee -a "$OUT/dbbench_report.txt"
	status=1
fi
echo "results: $RES, memory: $MEM, log: $LOG, report: $OUT/dbbench_report.txt" >&2
exit $status
