"""The man page agrees with the program: every subcommand in the command table
has its section, and every long option a `--help` prints is named there."""

import os
import re

from harness import ROOT, ub

MAN = os.path.join(ROOT, "bench", "udpbench.1")
CMD = os.path.join(ROOT, "bench", "cmd")

# The man page's section (.SH) for each subcommand's options.
SECTIONS = {
    "send": "SENDER OPTIONS",
    "reflect": "REFLECTOR OPTIONS",
    "relay": "LINK EMULATOR",
    "analyze": "CAPTURE ANALYSIS",
    "scenario": "SCENARIOS",
    "report": "REPORTS",
    "discover": "DISCOVER",
}
# Printed by every subcommand's --help; the man page names them once, under the sender.
EVERYWHERE = ("--help", "--version")


def subcommands():
    """Names in the command table (bench/cmd/cli.c), in its order."""
    with open(os.path.join(CMD, "cli.c")) as f:
        table = re.search(r"commands\[\]\s*=\s*\{(.*?)\};", f.read(), re.S)
    assert table, "bench/cmd/cli.c: no commands[] table"
    names = []
    for var in re.findall(r"&(ub_cmd_\w+)", table.group(1)):
        for fn in sorted(os.listdir(CMD)):
            if not fn.endswith(".c"):
                continue
            with open(os.path.join(CMD, fn)) as f:
                m = re.search(r"struct ub_command %s\s*=\s*\{.*?\.name\s*=\s*\"([^\"]+)\"" % var,
                              f.read(), re.S)
            if m:
                names.append(m.group(1))
                break
        else:
            raise AssertionError("no definition of %s under bench/cmd" % var)
    return names


def man_text():
    """The man page as text, by .SH section: troff escapes and fonts taken out."""
    with open(MAN, encoding="utf-8") as f:
        src = f.read()
    text = re.sub(r"\\f[BIRP]|\\f\(..|\\&|\\%", "", src).replace("\\-", "-")
    sections, name = {}, ""
    for line in text.splitlines():
        m = re.match(r'\.SH\s+"?([^"]*)"?\s*$', line)
        if m:
            name = m.group(1).strip()
            continue
        sections[name] = sections.get(name, "") + line + "\n"
    return sections


def named(option, text):
    return re.search(re.escape(option) + r"(?![A-Za-z0-9-])", text) is not None


def help_options(*argv):
    r = ub(*argv, "--help")
    assert r.returncode == 0, "udpbench %s --help exited %d: %s" % (" ".join(argv), r.returncode,
                                                                 r.stderr)
    return sorted(set(re.findall(r"(?<![A-Za-z0-9-])--[a-z][a-z0-9-]*", r.stdout)))


def test_every_subcommand_has_a_man_section(tmp):
    names = subcommands()
    sec = man_text()
    assert len(names) >= 6, names
    missing = []
    for n in names:
        if n not in SECTIONS:
            missing.append("subcommand %s: no man page section known for it (add one to "
                           "bench/udpbench.1 and to SECTIONS here)" % n)
        elif SECTIONS[n] not in sec:
            missing.append("subcommand %s: bench/udpbench.1 has no section .SH %s" % (n, SECTIONS[n]))
        elif n != "send" and not named("udpbench " + n, sec["SYNOPSIS"]):
            missing.append("subcommand %s: not in the SYNOPSIS" % n)
        elif n != "send" and not named("udpbench " + n, sec[SECTIONS[n]]):
            missing.append("subcommand %s: its section %s never names `udpbench %s`"
                           % (n, SECTIONS[n], n))
    assert not missing, "\n".join(missing)


def test_every_help_option_is_in_the_man_page(tmp):
    sec = man_text()
    everything = "".join(sec.values())
    missing = []
    runs = [("udpbench --help", [], "send")] + [
        ("udpbench %s --help" % n, [n], n) for n in subcommands()]
    for label, argv, name in runs:
        where = SECTIONS.get(name)
        body = sec.get(where, "")
        for opt in help_options(*argv):
            if opt in EVERYWHERE:
                if not named(opt, everything):
                    missing.append("%s prints %s: not in the man page" % (label, opt))
            elif not body:
                missing.append("%s prints %s: the man page has no section for %s"
                               % (label, opt, name))
            elif not named(opt, body):
                missing.append("%s prints %s: not in the man page's %s section"
                               % (label, opt, where))
    assert not missing, "\n".join(missing)
