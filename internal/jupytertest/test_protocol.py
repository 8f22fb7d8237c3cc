"""The GoLab kernel against a real jupyter_client: protocol behaviour."""
import hashlib
import hmac
import json
import os
import threading
import time
import uuid

import pytest
import zmq

from conftest import run_cell, stdout_of


def test_state_and_execution_count(kernel):
    _, kc = kernel
    r1, _ = run_cell(kc, "x := 40")
    r2, out = run_cell(kc, "x + 2")
    assert r1["content"]["status"] == "ok"
    assert r2["content"]["execution_count"] == r1["content"]["execution_count"] + 1
    results = [m for m in out if m["msg_type"] == "execute_result"]
    assert results and results[0]["content"]["data"]["text/plain"] == "42"
    assert results[0]["content"]["execution_count"] == r2["content"]["execution_count"]


def test_silent_publishes_nothing_and_keeps_count(kernel):
    _, kc = kernel
    r1, _ = run_cell(kc, "1")
    r2, out = run_cell(kc, "fmt.Println(1); 2", silent=True)
    r3, _ = run_cell(kc, "3")
    assert [m["msg_type"] for m in out if m["msg_type"] in ("execute_input", "execute_result")] == []
    assert r3["content"]["execution_count"] == r1["content"]["execution_count"] + 1


def test_user_expressions(kernel):
    _, kc = kernel
    reply, _ = run_cell(kc, "y := 7", user_expressions={"double": "y * 2", "bad": "nope"})
    ue = reply["content"]["user_expressions"]
    assert ue["double"]["status"] == "ok"
    assert ue["double"]["data"]["text/plain"] == "14"
    assert ue["bad"]["status"] == "error"


@pytest.mark.parametrize("code,fragment", [
    ('panic("boom")', "boom"),
    ("var p *struct{ X int }\np.X = 1", "nil pointer dereference"),
    ("a := []int{1, 2, 3}\ni := 5\n_ = a[i]", "index out of range [5] with length 3"),
    ("z := 0\n_ = 10 / z", "integer divide by zero"),
])
def test_runtime_panics_keep_state(kernel, code, fragment):
    _, kc = kernel
    run_cell(kc, "keep := 123")
    reply, out = run_cell(kc, code)
    assert reply["content"]["status"] == "error"
    errs = [m for m in out if m["msg_type"] == "error"]
    assert errs and fragment in errs[0]["content"]["evalue"] + "\n".join(errs[0]["content"]["traceback"])
    _, out = run_cell(kc, "keep")
    assert [m["content"]["data"]["text/plain"] for m in out if m["msg_type"] == "execute_result"] == ["123"]


def test_compile_error_names_cell_line(kernel):
    _, kc = kernel
    reply, _ = run_cell(kc, "a := 1\nb := undefinedThing + a")
    assert reply["content"]["status"] == "error"
    text = reply["content"]["evalue"] + "\n".join(reply["content"]["traceback"])
    assert "undefinedThing" in text
    assert "2:" in text


def test_error_as_last_value(kernel):
    _, kc = kernel
    reply, _ = run_cell(kc, 'strconv.Atoi("x")')
    assert reply["content"]["status"] == "error"
    assert "invalid syntax" in reply["content"]["evalue"]
    reply, out = run_cell(kc, 'strconv.Atoi("12")')
    assert [m["content"]["data"]["text/plain"] for m in out if m["msg_type"] == "execute_result"] == ["12"]


@pytest.mark.parametrize("code", [
    "for {}",
    "select {}",
    "time.Sleep(time.Hour)",
    "ch := make(chan int)\n<-ch",
])
def test_interrupt_stops_within_a_second(kernel, code):
    km, kc = kernel
    run_cell(kc, "state := 9")
    msg_id = kc.execute(code)
    time.sleep(0.5)
    t0 = time.monotonic()
    km.interrupt_kernel()
    reply = kc.get_shell_msg(timeout=10)
    assert reply["parent_header"]["msg_id"] == msg_id
    assert time.monotonic() - t0 < 1.0
    assert reply["content"]["status"] == "error"
    _, out = run_cell(kc, "state")
    assert [m["content"]["data"]["text/plain"] for m in out if m["msg_type"] == "execute_result"] == ["9"]


def test_ctx_is_cancelled_on_interrupt(kernel):
    km, kc = kernel
    msg_id = kc.execute('<-ctx.Done()\nfmt.Println("cancelled:", ctx.Err())')
    time.sleep(0.5)
    km.interrupt_kernel()
    reply = kc.get_shell_msg(timeout=10)
    assert reply["parent_header"]["msg_id"] == msg_id


def test_infinite_recursion_restarts_evaluator_and_says_so(kernel):
    _, kc = kernel
    run_cell(kc, "before := 1")
    reply, out = run_cell(kc, "func down(n int) int { return down(n+1) + 1 }\ndown(0)", timeout=120)
    assert reply["content"]["status"] == "error"
    text = reply["content"]["evalue"]
    assert "lost" in text and "stack overflow" in text
    assert any(m["msg_type"] == "error" for m in out)
    reply, out = run_cell(kc, "1 + 1")
    assert reply["content"]["status"] == "ok"
    reply, _ = run_cell(kc, "before")
    assert reply["content"]["status"] == "error"  # the state is gone, as announced


def test_goroutine_output_reaches_its_cell(kernel):
    _, kc = kernel
    first = kc.execute('go func() {\n\ttime.Sleep(400 * time.Millisecond)\n\tfmt.Println("late hello")\n}()')
    kc.get_shell_msg(timeout=10)
    second = kc.execute("time.Sleep(900 * time.Millisecond)")
    kc.get_shell_msg(timeout=10)
    late, second_done = None, False
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not (late and second_done):
        msg = kc.get_iopub_msg(timeout=10)
        if msg["msg_type"] == "stream" and "late hello" in msg["content"]["text"]:
            late = msg
        if (msg["parent_header"].get("msg_id") == second and msg["msg_type"] == "status"
                and msg["content"]["execution_state"] == "idle"):
            second_done = True
    assert late is not None, "output of a goroutine started by an earlier cell never arrived"
    assert late["parent_header"]["msg_id"] == first


def test_goroutine_output_streams_while_cell_runs(kernel):
    _, kc = kernel
    msg_id = kc.execute('for i := 0; i < 3; i++ {\n\tfmt.Println("tick", i)\n\ttime.Sleep(300 * time.Millisecond)\n}')
    first_tick = None
    t0 = time.monotonic()
    while True:
        msg = kc.get_iopub_msg(timeout=10)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "stream" and first_tick is None:
            first_tick = time.monotonic() - t0
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
    assert first_tick is not None and first_tick < 0.6


def test_stop_on_error_aborts_queued(kernel):
    _, kc = kernel
    ids = [kc.execute('panic("first")'), kc.execute("1"), kc.execute("2")]
    replies = {}
    while len(replies) < 3:
        r = kc.get_shell_msg(timeout=30)
        replies[r["parent_header"]["msg_id"]] = r["content"]["status"]
    assert [replies[i] for i in ids] == ["error", "aborted", "aborted"]
    reply, _ = run_cell(kc, "3")
    assert reply["content"]["status"] == "ok"


def test_stdin_input_request(kernel):
    _, kc = kernel
    msg_id = kc.execute('var name string\nfmt.Scanln(&name)\nfmt.Println("hi", name)', allow_stdin=True)
    req = kc.get_stdin_msg(timeout=10)
    assert req["msg_type"] == "input_request"
    assert req["parent_header"]["msg_id"] == msg_id
    kc.input("gopher")
    reply = kc.get_shell_msg(timeout=10)
    assert reply["content"]["status"] == "ok"
    out = []
    while True:
        m = kc.get_iopub_msg(timeout=10)
        if m["parent_header"].get("msg_id") == msg_id:
            out.append(m)
            if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                break
    assert "hi gopher" in stdout_of(out)


def test_stdin_refused_gives_clear_error(kernel):
    _, kc = kernel
    reply, out = run_cell(kc, 'var s string\n_, err := fmt.Scanln(&s)\nerr', allow_stdin=False)
    assert reply["content"]["status"] == "error"
    assert "allow_stdin" in reply["content"]["evalue"]


def test_display_handle_update(kernel):
    _, kc = kernel
    reply, out = run_cell(kc, 'h := display.NewHandle()\nh.Show(display.HTML("<i>1</i>"))\nh.Update(display.HTML("<i>2</i>"))')
    assert reply["content"]["status"] == "ok"
    shown = [m for m in out if m["msg_type"] == "display_data"]
    updated = [m for m in out if m["msg_type"] == "update_display_data"]
    assert shown and updated
    did = shown[0]["content"]["transient"]["display_id"]
    assert did and updated[0]["content"]["transient"]["display_id"] == did
    assert updated[0]["content"]["data"]["text/html"] == "<i>2</i>"


def test_rich_result_via_mimebundle(kernel):
    _, kc = kernel
    code = ('type card struct{ title string }\n'
            'func (c card) MIMEBundle() map[string]any {\n'
            '\treturn map[string]any{"text/html": "<h1>" + c.title + "</h1>"}\n}\n'
            'card{"hello"}')
    reply, out = run_cell(kc, code)
    assert reply["content"]["status"] == "ok", reply["content"]
    res = [m for m in out if m["msg_type"] == "execute_result"]
    assert res and res[0]["content"]["data"]["text/html"] == "<h1>hello</h1>"
    assert "text/plain" in res[0]["content"]["data"]


def test_comm_open_unknown_target_is_closed(kernel):
    _, kc = kernel
    comm_id = uuid.uuid4().hex
    msg = kc.session.msg("comm_open", {"comm_id": comm_id, "target_name": "nope", "data": {}})
    kc.shell_channel.send(msg)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        m = kc.get_iopub_msg(timeout=5)
        if m["msg_type"] == "comm_close":
            assert m["content"]["comm_id"] == comm_id
            break
    else:
        pytest.fail("no comm_close for an unknown comm target")
    msg_id = kc.comm_info()
    reply = kc.get_shell_msg(timeout=5)
    assert reply["msg_type"] == "comm_info_reply" and reply["content"]["comms"] == {}


def _raw_execute(km, code, key):
    """Send an execute_request signed with `key` on a raw DEALER socket."""
    ctx = zmq.Context.instance()
    sock = ctx.socket(zmq.DEALER)
    sock.linger = 0
    sock.connect(f"tcp://{km.ip}:{km.shell_port}")
    header = json.dumps({"msg_id": uuid.uuid4().hex, "session": uuid.uuid4().hex, "username": "t",
                         "date": "2026-01-01T00:00:00Z", "msg_type": "execute_request", "version": "5.3"}).encode()
    parts = [header, b"{}", b"{}", json.dumps({"code": code, "silent": False}).encode()]
    sig = hmac.new(key, b"".join(parts), hashlib.sha256).hexdigest().encode() if key is not None else b""
    sock.send_multipart([b"<IDS|MSG>", sig] + parts)
    return sock


@pytest.mark.parametrize("key", [b"wrong-key", None])
def test_bad_signature_is_dropped(kernel, key):
    km, kc = kernel
    run_cell(kc, "guard := 1")
    sock = _raw_execute(km, "guard = 666", key)
    assert sock.poll(1000) == 0, "the kernel answered a message with a bad signature"
    sock.close()
    _, out = run_cell(kc, "guard")
    assert [m["content"]["data"]["text/plain"] for m in out if m["msg_type"] == "execute_result"] == ["1"]


def test_good_signature_is_accepted(kernel):
    km, kc = kernel
    sock = _raw_execute(km, "1", km.session.key)
    assert sock.poll(10000) != 0
    sock.close()


def test_restart_resets_state(kernel):
    km, kc = kernel
    run_cell(kc, "gone := 1")
    km.restart_kernel(now=False)
    kc.wait_for_ready(timeout=30)
    reply, _ = run_cell(kc, "gone")
    assert reply["content"]["status"] == "error"
    reply, _ = run_cell(kc, "1")
    assert reply["content"]["status"] == "ok"


def test_shutdown_leaves_no_process(kernel):
    km, kc = kernel
    pid = km.provisioner.process.pid
    children = _children(pid)
    assert children, "the kernel should have an evaluator process"
    km.shutdown_kernel(now=False)
    time.sleep(0.5)
    for p in [pid] + children:
        assert not os.path.exists(f"/proc/{p}") or _is_zombie(p), f"process {p} outlived the kernel"


def _children(pid):
    out = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            out += [int(x) for x in f.read().split()]
    return out


def _is_zombie(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[1].split()[0] == "Z"
    except FileNotFoundError:
        return True
