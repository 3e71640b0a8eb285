"""udpbench in auto mode against the scripts a UDP tutorial has pupils write
(peers/classroom/: verbatim echo; decode and answer '收到: ' + text; decode
and answer text.upper(); decode and answer '收到'; decode and print, never
answer). The
scripts decode without try/except, as pupils' do: a probe they cannot
decode kills them. Each figure is held against the script's own count."""

import json
import os
import re
import socket

from harness import load_json, start_peer, stop, ub, planned

PROBES = 200


def start_script(tmp, name):
    return start_peer(os.path.join("classroom", name + ".py"), tmp)


def script_end(p):
    """Stops the script (if it still runs): (exit status, its counts, stderr)."""
    code, out, err = stop(p)
    lines = out.strip().splitlines()
    assert lines, "the script printed nothing: " + err
    return code, json.loads(lines[-1]), err


def auto_run(tmp, port, *args):
    rj = os.path.join(tmp, "r.json")
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", PROBES, "-i", "5ms", "--json", rj, "-q",
           *args)
    return r, (load_json(rj) if os.path.exists(rj) else None)


def test_scripts_answer_as_the_tutorial_says(tmp):
    """The scripts themselves, without udpbench: text in, their answer out;
    one binary datagram kills each one that decodes."""
    said = "hello 你好\n".encode("utf-8")
    answers = {"echo": said,
               "reply_received": "收到: ".encode("utf-8") + said,
               "reply_upper": "HELLO 你好\n".encode("utf-8"),
               "reply_fixed": "收到".encode("utf-8"),
               "print_only": None}
    for name, want in answers.items():
        script, port = start_script(tmp, name)
        c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        c.settimeout(0.3 if want is None else 5)
        c.sendto(said, ("127.0.0.1", port))
        try:
            got = c.recv(2048)
        except socket.timeout:
            got = None
        assert got == want, (name, got, want)
        binary = b"\x00\x00\x00\x01\xee\xbf\x63\x9a"  # a sequence number, NTP seconds
        c.sendto(binary, ("127.0.0.1", port))
        if name == "echo":
            c.settimeout(5)
            assert c.recv(2048) == binary
        else:
            script.wait(timeout=5)
        c.close()
        code, seen, err = script_end(script)
        assert seen["received"] == 2, (name, seen)
        if name == "echo":
            assert code == 0 and seen["crashed"] is None, (name, code, err)
        else:
            assert code == 1 and seen["crashed"] == "UnicodeDecodeError", (name, code, err)


def every_probe_matched(tmp, name, mode, *args, pingpong=False):
    """Every probe sent is answered and matched. One probe at a time (pingpong), a
    slot that passes while a reply is on its way is skipped, never sent late: the
    schedule still counts it, and what was sent must all come back."""
    script, port = start_script(tmp, name)
    r, j = auto_run(tmp, port, *args)
    code, seen, err = script_end(script)
    print("  %s: udpbench exit %d, %s; the script got %d, answered %d, crashed %s"
          % (name, r.returncode, j and {k: j["summary"][k] for k in ("sent", "received")},
             seen["received"], seen["answered"], seen["crashed"]))
    assert seen["crashed"] is None and code == 0, "the script crashed:\n" + err[-600:]
    assert r.returncode == 0, (r.returncode, r.stderr)
    s, p = j["summary"], j["params"]
    assert s["sent"] == s["received"] == seen["received"] == seen["answered"], (s, seen)
    assert s["schedule"]["slots"] == PROBES, s["schedule"]
    if pingpong:
        assert s["sent"] + s["schedule"]["skipped"] == PROBES, s["schedule"]
        assert s["sent"] >= PROBES * 9 // 10, (s["sent"], s["schedule"])
    else:
        assert planned(s, PROBES), s
    assert (p["mode"], p.get("reflector")) == (mode, mode), (p["mode"], p.get("reflector"))
    # An echo or a text reply carries no reflector counter: no split.
    assert s["lost_up"] is None and s["lost_down"] is None, s


def test_auto_measures_verbatim_echo_script(tmp):
    every_probe_matched(tmp, "echo", "echo")


def test_auto_measures_script_answering_shou_dao_and_the_text(tmp):
    every_probe_matched(tmp, "reply_received", "text")


def test_auto_measures_script_answering_in_capitals(tmp):
    every_probe_matched(tmp, "reply_upper", "text")


def test_auto_measures_script_answering_a_fixed_word_one_probe_at_a_time(tmp):
    # '收到' carries nothing of the probe: matched ping-pong, one probe outstanding.
    every_probe_matched(tmp, "reply_fixed", "any", pingpong=True)


def test_text_mode_measures_script_answering_shou_dao_and_the_text(tmp):
    every_probe_matched(tmp, "reply_received", "text", "--mode", "text")


def test_auto_against_print_only_script_exits_3_pointing_at_it(tmp):
    script, port = start_script(tmp, "print_only")
    r, j = auto_run(tmp, port, "--timeout", "300ms")
    code, seen, err = script_end(script)
    print("  print_only: udpbench exit %d: %s; the script got %d, crashed %s"
          % (r.returncode, r.stderr.strip(), seen["received"], seen["crashed"]))
    assert seen["crashed"] is None and code == 0, "the script crashed:\n" + err[-600:]
    assert seen["received"] == PROBES and seen["answered"] == 0, seen
    assert r.returncode == 3, (r.returncode, r.stderr)
    assert j is not None, "no JSON written"
    assert (j["summary"]["sent"], j["summary"]["received"]) == (PROBES, 0), j["summary"]
    said = [ln for ln in r.stderr.splitlines() if ln.startswith("udpbench:")]
    assert len(said) == 1, r.stderr
    assert "no reply from 127.0.0.1:%d" % port in said[0], said[0]
    assert "only print" in said[0], said[0]


def test_stamp_mode_crashes_the_script_and_suggests_text_mode(tmp):
    script, port = start_script(tmp, "reply_received")
    r, j = auto_run(tmp, port, "--mode", "stamp", "--timeout", "300ms")
    code, seen, err = script_end(script)
    print("  stamp mode: the script crashed with %s after %d datagram(s); udpbench exit %d: %s"
          % (seen["crashed"], seen["received"], r.returncode, r.stderr.strip()))
    # Binary STAMP probes are not UTF-8: the script dies on the first one.
    assert seen["crashed"] == "UnicodeDecodeError" and code == 1, (code, seen)
    assert seen["received"] == 1, seen
    assert r.returncode == 3, (r.returncode, r.stderr)
    assert j is not None, "no JSON written"
    said = [ln for ln in r.stderr.splitlines() if ln.startswith("udpbench:")]
    assert len(said) == 1, r.stderr
    assert re.search(r"crash", said[0]) and "--mode text" in said[0], said[0]
    assert "is a reflector running there" not in said[0], said[0]
