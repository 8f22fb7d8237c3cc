"""`golab install` writes a kernelspec that `jupyter kernelspec list` shows."""
import json
import os
import subprocess
import sys

from conftest import golab_bin

BIN = os.path.dirname(sys.executable)


def test_kernelspec_listed_after_install(tmp_path):
    prefix = tmp_path / "prefix"
    subprocess.run([golab_bin(), "install", "--prefix", str(prefix)], check=True, capture_output=True)
    env = dict(os.environ, JUPYTER_PATH=str(prefix / "share" / "jupyter"))
    out = subprocess.run([os.path.join(BIN, "jupyter"), "kernelspec", "list", "--json"],
                         check=True, capture_output=True, text=True, env=env).stdout
    specs = json.loads(out)["kernelspecs"]
    spec = specs["golab"]["spec"]
    assert spec["display_name"] == "Go (GoLab)"
    assert spec["language"] == "go"
    assert spec["interrupt_mode"] == "message"
    assert os.path.isabs(spec["argv"][0])
    d = specs["golab"]["resource_dir"]
    assert os.path.exists(os.path.join(d, "logo-32x32.png"))
    assert os.path.exists(os.path.join(d, "logo-64x64.png"))


def test_kernel_info_language_info(kernel):
    _, kc = kernel
    kc.kernel_info()
    reply = kc.get_shell_msg(timeout=10)
    li = reply["content"]["language_info"]
    assert li["name"] == "go" and li["mimetype"] == "text/x-go" and li["file_extension"] == ".go"
    assert li["pygments_lexer"] == "go" and li["codemirror_mode"] == "go"
    assert reply["content"]["protocol_version"].startswith("5.")
