"""The sample notebooks 02-sales-analysis, 03-live-plot and 04-cluster run with nbclient on the golab
kernel; their outputs are checked: tables, decodable chart images of the right size that are
not blank, the Vega-Lite bundle, live updates through one display_id, and numbers that follow
from the notebooks' fixed seeds."""
import base64
import datetime
import glob
import os
import shutil
import struct
import zlib

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VEGALITE = "application/vnd.vegalite.v5+json"
CHART_SIZE = (640, 400)  # plotting.DefaultWidth x DefaultHeight


class RecordingClient(NotebookClient):
    """NotebookClient that also keeps the display messages of every cell, including the
    update_display_data ones that only change outputs in place."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.display_msgs = {}

    def process_message(self, msg, cell, cell_index):
        if msg["msg_type"] in ("display_data", "update_display_data"):
            self.display_msgs.setdefault(cell_index, []).append(msg)
        return super().process_message(msg, cell, cell_index)


def execute(name, tmp_path):
    """Run notebooks/<name> in a copy under tmp_path (the kernel's working directory)."""
    src = tmp_path / name
    shutil.copy(os.path.join(ROOT, "notebooks", name), src)
    nb = nbformat.read(src, as_version=4)
    client = RecordingClient(nb, kernel_name="golab", timeout=120, startup_timeout=60,
                             resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    nbformat.write(nb, tmp_path / ("out-" + name))
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), "every code cell ran"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, [(o.ename, o.evalue) for o in errors]
    return nb, client


def cell_with(nb, snippet):
    cells = [c for c in nb.cells if c.cell_type == "code" and snippet in c.source]
    assert len(cells) == 1, f"{len(cells)} cells contain {snippet!r}"
    return cells[0]


def stdout(cell):
    return "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")


def rich(cell, mime):
    return [o for o in cell.outputs if o.output_type in ("execute_result", "display_data") and mime in o.data]


def decode_png(data):
    """Decode an 8-bit RGB/RGBA (or gray) non-interlaced PNG; return (width, height, channels, rows)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "PNG signature"
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        assert zlib.crc32(kind + body) == struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0], f"{kind} CRC"
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = ihdr
    assert depth == 8 and interlace == 0 and ctype in (0, 2, 4, 6), f"unsupported PNG {ihdr}"
    ch = {0: 1, 2: 3, 4: 2, 6: 4}[ctype]
    raw = zlib.decompress(idat)
    stride = w * ch
    assert len(raw) == h * (stride + 1), "IDAT size matches IHDR"
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(ch, stride):
                line[i] = (line[i] + line[i - ch]) & 0xFF
        elif f == 2:
            for i in range(stride):
                line[i] = (line[i] + prev[i]) & 0xFF
        elif f == 3:
            for i in range(stride):
                left = line[i - ch] if i >= ch else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif f == 4:
            for i in range(stride):
                a = line[i - ch] if i >= ch else 0
                b = prev[i]
                c = prev[i - ch] if i >= ch else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        else:
            assert f == 0, f"filter {f}"
        rows.append(bytes(line))
        prev = line
    return w, h, ch, rows


def check_chart_png(output, size=CHART_SIZE):
    """The PNG of a chart output decodes, has the chart's size and real content."""
    data = base64.b64decode(output.data["image/png"])
    w, h, ch, rows = decode_png(data)
    assert (w, h) == size
    meta = output.get("metadata", {}).get("image/png", {})
    assert (meta.get("width"), meta.get("height")) == size, meta
    colors, ink = set(), 0
    for row in rows[::2]:
        for x in range(0, w, 2):
            px = row[x * ch:(x + 1) * ch]
            colors.add(px)
            if min(px[:3]) < 235:
                ink += 1
    samples = len(rows[::2]) * len(range(0, w, 2))
    assert len(colors) >= 8, f"only {len(colors)} colors: blank chart"
    assert 0.02 < ink / samples < 0.9, f"ink fraction {ink / samples:.3f}"
    return data


def test_sales_analysis(tmp_path):
    nb, _ = execute("02-sales-analysis.ipynb", tmp_path)

    # Extract: the raw files, generated from the seed.
    sales = tmp_path / "data" / "sales"
    with open(sales / "orders.csv") as f:
        lines = f.read().splitlines()
    assert lines[0] == "order_id,order_date,customer_id,product,quantity,unit_price"
    assert len(lines) == 20001
    with open(sales / "customers.parquet", "rb") as f:
        blob = f.read()
    assert blob[:4] == blob[-4:] == b"PAR1"
    assert "wrote 20000 orders and 500 customers" in stdout(cell_with(nb, "csv.NewWriter("))

    # Load: both readers return tables.
    load = cell_with(nb, "dataframe.ReadCSV(")
    assert "customers: 500 rows, [customer_id name region segment]" in stdout(load)
    [res] = rich(load, "text/html")
    assert "<table" in res.data["text/html"]
    assert res.data["text/plain"].startswith("shape: (20000, 6)")

    # Clean and join: the counts follow from the seed.
    assert stdout(cell_with(nb, "DropNulls(")) == "kept 19709 of 20000 orders (291 dropped)\n"
    assert stdout(cell_with(nb, "clean.Join(")) == "19662 orders matched a customer, 47 did not\n"

    # Aggregate: 24 months x 4 regions x 8 products.
    [agg] = rich(cell_with(nb, "GroupBy(\"year\", \"month\", \"region\", \"product\")"), "text/html")
    assert agg.data["text/plain"].startswith("shape: (768, 7)")
    assert "<table" in agg.data["text/html"]

    # The lake: Hive-partitioned Parquet, one file per month, read back as one table.
    files = sorted(glob.glob(str(sales / "lake" / "year=*" / "month=*" / "*.parquet")))
    assert len(files) == 24
    assert files[0].endswith("lake/year=2024/month=01/part-0.parquet")
    assert files[-1].endswith("lake/year=2025/month=12/part-0.parquet")
    lake = cell_with(nb, "dataframe.ReadDir(")
    assert stdout(lake) == ("lake: 768 rows, columns [year month region product revenue units orders]\n"
                            "total revenue 5465005.58 over 19662 orders\n")
    [lt] = rich(lake, "text/html")
    assert lt.data["text/plain"].startswith("shape: (768, 7)")

    # Partition pruning: the filter reaches the scan.
    q4 = cell_with(nb, "dataframe.ScanDir(")
    assert 'SCAN parquet dir "lake" (24 files' in stdout(q4)
    assert 'SELECTION [([(col("year")) == (2025)]) & ([(col("month")) >= (10)])]' in stdout(q4)
    [q4t] = rich(q4, "text/html")
    assert q4t.data["text/plain"].startswith("shape: (4, 2)")
    assert q4t.data["text/plain"].index('"South"') < q4t.data["text/plain"].index('"East"')

    # Charts: PNG + SVG + text summary; the right size, not blank.
    [line] = rich(cell_with(nb, "byRegion := plotting.New("), "image/png")
    assert line.data["text/plain"] == ('chart "Revenue per month": line "North" (24 points), '
                                       'line "South" (24 points), line "East" (24 points), line "West" (24 points)')
    assert "<svg" in line.data["image/svg+xml"]
    check_chart_png(line)
    top = cell_with(nb, "BarFrom(top")
    [table] = rich(top, "text/html")
    assert table.data["text/plain"].startswith("shape: (8, 2)")
    assert table.data["text/plain"].index('"laptop"') < table.data["text/plain"].index('"cable"')
    [bar] = rich(top, "image/png")
    assert bar.data["text/plain"] == 'chart "Top products, 2024–2025": bar "revenue" (8 bars)'
    check_chart_png(bar)

    # Interactive: Vega-Lite v5 with the data inlined, next to the PNG fallback.
    [inter] = rich(cell_with(nb, "plotting.Interactive()"), VEGALITE)
    assert inter.data["text/plain"] == 'chart "Daily revenue": line "revenue" (731 points)'
    spec = inter.data[VEGALITE]
    assert spec["$schema"] == "https://vega.github.io/schema/vega-lite/v5.json"
    assert "Daily revenue" in str(spec.get("title"))
    values = [v for v in _find(spec, "values") if isinstance(v, list)]
    assert values and max(len(v) for v in values) >= 100, "data inlined"
    check_chart_png(inter)

    assert stdout(cell_with(nb, "best, _ := q4.Value")) == (
        "revenue 2024–2025: 5465005.58 USD from 19662 orders\n"
        "best region in Q4 2025: South; top product: laptop\n")


def _find(obj, key):
    """Every value stored under key anywhere in a JSON tree."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == key:
                yield v
            yield from _find(v, key)
    elif isinstance(obj, list):
        for v in obj:
            yield from _find(v, key)


def _when(msg):
    d = msg["header"]["date"]
    return d if isinstance(d, datetime.datetime) else datetime.datetime.fromisoformat(str(d))


@pytest.fixture(scope="module")
def live_run(tmp_path_factory):
    """03-live-plot, run once for the tests below."""
    return execute("03-live-plot.ipynb", tmp_path_factory.mktemp("live"))


@pytest.mark.parametrize("snippet,summary,out", [
    ("plotting.StreamValues(", 'live chart "A random walk, live": line (150 points)',
     "stream closed; the chart above is the final frame\n"),
    ("plotting.NewLive(", 'live chart "Sensor, live": line "sensor" (60 points), line "moving average" (60 points)',
     "redrawn in place: true\n"),
    ("plotting.StreamFunc(", 'live chart "Until the timeout": line (100 points)',
     "stopped by the timeout: true\n"),
])
def test_live_plot(snippet, summary, out, live_run):
    nb, client = live_run
    cell = cell_with(nb, snippet)
    idx = nb.cells.index(cell)
    assert stdout(cell) == out
    # The saved notebook keeps one output per live chart: its final frame.
    [final] = rich(cell, "image/png")
    assert final.output_type == "display_data"
    assert final.data["text/plain"] == summary
    check_chart_png(final)
    # It got there by updating one display_id in place, at most 5 frames per second.
    msgs = client.display_msgs[idx]
    assert msgs[0]["msg_type"] == "display_data"
    ids = {m["content"]["transient"]["display_id"] for m in msgs}
    assert len(ids) == 1, ids
    updates = [m for m in msgs if m["msg_type"] == "update_display_data"]
    assert updates, "no update_display_data"
    assert base64.b64decode(updates[-1]["content"]["data"]["image/png"]) == base64.b64decode(final.data["image/png"])
    seconds = (_when(msgs[-1]) - _when(msgs[0])).total_seconds()
    assert len(msgs) <= 5 * seconds + 2, f"{len(msgs)} frames in {seconds:.1f} s"


def test_cluster_notebook(tmp_path):
    """04-cluster starts two real workers from a cell, shows them, runs one group-by on
    them and locally with the same answer, queries a result cached on the workers, and
    stops them."""
    nb, _ = execute("04-cluster.ipynb", tmp_path)
    assert stdout(cell_with(nb, "cluster.Start(")) == "2 workers\n"
    [shown] = [c for c in nb.cells if c.cell_type == "code" and c.source.strip() == "c"]
    [status] = rich(shown, "text/html")
    assert status.data["text/plain"].startswith("GoLab cluster (2 workers, running)")
    assert status.data["text/plain"].count("/ 512.0 MiB") == 2
    [table] = rich(cell_with(nb, "c.Collect(ctx, q)"), "text/html")
    assert table.data["text/plain"].startswith("shape: (12, 5)")
    assert "store-00" in table.data["text/html"] and "revenue_cents" in table.data["text/html"]
    assert stdout(cell_with(nb, "local.String() == remote.String()")) == \
        "same answer on the cluster as locally: true\n"
    cached = stdout(cell_with(nb, "c.Cache(ctx,"))
    assert cached.startswith("shape: (3, 3)") and '"store-02"' in cached and "bulk_orders" in cached, cached
    assert stdout(cell_with(nb, "c.Close()")) == "workers stopped\n"
