"""Long runs: memory stays flat over 10,000 executes; the kernel benchmark runs."""
import os
import subprocess
import sys

from conftest import run_cell

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def tree_rss_kib(pid):
    total = rss_kib(pid)
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            for child in f.read().split():
                total += tree_rss_kib(int(child))
    return total


def test_soak_10000_executes_memory_flat(kernel):
    km, kc = kernel
    pid = km.provisioner.process.pid
    run_cell(kc, "n := 0")
    samples = []
    for i in range(10000):
        # As a notebook client does: read the reply and the iopub messages up to idle.
        reply, _ = run_cell(kc, "n++")
        assert reply["content"]["status"] == "ok", reply["content"]
        if i % 1000 == 999:
            samples.append(tree_rss_kib(pid))
    _, out = run_cell(kc, "n")
    assert [m["content"]["data"]["text/plain"] for m in out if m["msg_type"] == "execute_result"] == ["10000"]
    # Flat: after warm-up (first 2000), growth stays under 30 MiB across 8000 executes.
    growth = samples[-1] - samples[1]
    print(f"soak RSS KiB per 1000 executes: {samples}; growth after warm-up {growth} KiB")
    assert growth < 30 * 1024, samples


def test_bench_kernel_smoke(tmp_path):
    out = tmp_path / "kernel.csv"
    res = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "kernel", "bench_kernel.py"),
                          "--executes", "20", "--starts", "2", "--csv", str(out)],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert "ratio golab/ipykernel execute_round_trip" in res.stdout
    assert out.read_text().count("\n") == 5
