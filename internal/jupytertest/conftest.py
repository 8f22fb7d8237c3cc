"""Shared fixtures: a GoLab kernel started the way Jupyter starts it."""
import os
import shutil

import pytest
from jupyter_client.manager import start_new_kernel

KERNEL_NAME = "golab"


def golab_bin():
    path = os.environ.get("GOLAB_BIN") or shutil.which("golab")
    if not path:
        raise RuntimeError("set GOLAB_BIN to the golab binary (make test does)")
    return path


@pytest.fixture()
def kernel():
    """A fresh kernel and a started blocking client; shut down afterwards."""
    km, kc = start_new_kernel(kernel_name=KERNEL_NAME, startup_timeout=60)
    try:
        yield km, kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def run_cell(kc, code, timeout=30, **kw):
    """Execute code; return (reply, iopub messages of this request)."""
    msg_id = kc.execute(code, **kw)
    reply = kc.get_shell_msg(timeout=timeout)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=timeout)
    outputs = []
    while True:
        msg = kc.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
        outputs.append(msg)
    return reply, outputs


def stdout_of(outputs, name="stdout"):
    return "".join(m["content"]["text"] for m in outputs
                   if m["msg_type"] == "stream" and m["content"]["name"] == name)
