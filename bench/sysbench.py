#!/usr/bin/env python3
"""Whole-system figures for bindtrace, each measured side by side with its
baseline or peer in the same run (A/B/A/B, order alternating), reported as
medians and ratios. Driven by scripts/bench.sh; see docs/PERFORMANCE.md.

Figures (BENCH_ONLY=N,M,... runs only those): 1 and 2 overhead, 3 failure
storm, 4 latency, 5 who PORT (also timed with an agent running), 6 start-up,
7 memory, 8 cost per failure event (BPF run time + tracer CPU), 9 agent idle.
The run ends with one table of targets (figure | target | measured | met),
also written with the raw records to build-bench/results.json (BENCH_JSON).

  sysbench.py                 run the figures (refuses when the machine is not quiet;
                              BENCH_FORCE=1 skips that check)
  sysbench.py --check-quiet   only the quiet check (exit 3 when not quiet)
  sysbench.py --final-table   print the targets table of BENCH_JSON

Every child process is tracked and killed at exit, whatever happens; pins the
agent left are removed and kernel.bpf_stats_enabled is put back.
"""
import atexit
import calendar
import json
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BT = os.environ.get("BT_BINDTRACE", os.path.join(ROOT, "build/user/bindtrace"))
SOCK = os.environ.get("BT_SOCK", os.path.join(ROOT, "build/testprogs/bt_sock"))
WARM = os.environ.get("BT_WHO_WARM", os.path.join(ROOT, "build-bench/bench/bt_who_warm"))
BARE = os.environ.get("BT_BARE_LOADER", os.path.join(ROOT, "build-bench/bench/bt_bare_loader"))
OUT = os.environ.get("BENCH_OUT", os.path.join(ROOT, "build-bench/results.txt"))
JSON_OUT = os.environ.get("BENCH_JSON", os.path.join(ROOT, "build-bench/results.json"))
# The agent's pins (figures 5 and 9): a directory of this run's own on bpffs.
BPFFS = "/sys/fs/bpf"
PIN_DIR = os.environ.get("BENCH_PIN_DIR", "")
if not os.path.basename(PIN_DIR).startswith("bt-bench-"):  # never a production agent's directory
    PIN_DIR = f"{BPFFS}/bt-bench-{os.getpid()}"


def env_int(name, default):
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


REPS = env_int("BENCH_REPS", 7)                   # (1)(2) pairs per tier
GETPID_COUNT = env_int("BENCH_GETPID_COUNT", 2_000_000)
BIND_COUNT = env_int("BENCH_BIND_COUNT", 50_000)
STORM_REPS = env_int("BENCH_STORM_REPS", 3)       # (3) runs per mode and thread count
STORM_COUNT = env_int("BENCH_STORM_COUNT", 200_000)
LAT_N = env_int("BENCH_LAT_N", 200)               # (4) failing binds
LAT_GAP_MS = env_int("BENCH_LAT_GAP_MS", 5)
WHO_PROCS = env_int("BENCH_WHO_PROCS", 2000)      # (5) extra processes holding sockets
WHO_REPS = env_int("BENCH_WHO_REPS", 15)
WARM_N = env_int("BENCH_WARM_N", 50)
START_REPS = env_int("BENCH_START_REPS", 7)       # (6)
COST_REPS = env_int("BENCH_COST_REPS", 3)         # (8) runs per tracer, order rotating
COST_COUNT = env_int("BENCH_COST_COUNT", 200_000)  # (8) failing binds per run
IDLE_S = env_int("BENCH_IDLE_S", 60)              # (9) seconds the idle agent is watched
ONLY = set(filter(None, os.environ.get("BENCH_ONLY", "").split(",")))  # e.g. "5,4"

BPFTRACE = shutil.which("bpftrace")
BPF_COUNT = "tracepoint:syscalls:sys_exit_bind /args->ret == -98/ { @[comm] = count(); }"
BPF_PRINTF = 'tracepoint:syscalls:sys_exit_bind /args->ret == -98/ { printf("%s %d %d\\n", comm, pid, args->ret); }'

PORT_STORM = 18190
PORT_LAT = 18191
PORT_WHO = 18192
PORT_MEM = 18193
PORT_COST = 18194

CHILDREN = []          # every Popen we started
RAW = []               # raw records for results.txt
ROWS = {}              # section -> list of markdown rows
NOTES = []
STOP_TROUBLE = []
SUMMARY = {}           # figure -> its summary numbers; the targets table and JSON read only this
SKIPPED = {}           # figure number -> why it has no numbers
CLK_TCK = os.sysconf("SC_CLK_TCK")
STATS_SYSCTL = "/proc/sys/kernel/bpf_stats_enabled"
STATS_RESTORE = []     # the value kernel.bpf_stats_enabled had before figure (8) set it
TMP_DIRS = []


# ---------------------------------------------------------------- plumbing

def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def record(section, **fields):
    fields["section"] = section
    RAW.append(fields)


def row(section, *cells):
    ROWS.setdefault(section, []).append(cells)


def spawn(args, **kw):
    kw.setdefault("stdin", subprocess.DEVNULL)
    p = subprocess.Popen(args, **kw)
    CHILDREN.append(p)
    return p


def kill_all():
    for p in CHILDREN:
        if p.poll() is None:
            try:
                p.kill()
            except OSError:
                pass
    for p in CHILDREN:
        try:
            p.wait(timeout=5)
        except Exception:
            pass


def restore_bpf_stats():
    while STATS_RESTORE:
        old = STATS_RESTORE.pop()
        try:
            with open(STATS_SYSCTL, "w") as f:
                f.write(old)
        except OSError as e:
            log(f"could not restore kernel.bpf_stats_enabled={old}: {e}")


def unpin(pin_dir=None):
    """Detach and remove what an agent pinned in pin_dir (it outlives the agent)."""
    pin_dir = pin_dir or PIN_DIR
    if not os.path.isdir(pin_dir):
        return
    try:
        run_out([BT, "unpin", "--pin-dir", pin_dir], timeout=30)
    except (OSError, subprocess.SubprocessError) as e:
        log(f"bindtrace unpin --pin-dir {pin_dir}: {e}")
    try:
        os.rmdir(pin_dir)
    except FileNotFoundError:
        pass
    except OSError as e:
        log(f"{pin_dir} left behind: {e}")


def cleanup_all():
    kill_all()
    unpin()
    restore_bpf_stats()
    for d in TMP_DIRS:
        shutil.rmtree(d, ignore_errors=True)


def on_signal(signum, _frame):
    cleanup_all()
    sys.exit(128 + signum)


atexit.register(cleanup_all)
signal.signal(signal.SIGTERM, on_signal)
signal.signal(signal.SIGINT, on_signal)
signal.signal(signal.SIGHUP, on_signal)


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def pct(xs, p):
    if not xs:
        return float("nan")
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(p * (len(s) - 1))))]


def fmt(x, digits=1):
    if x is None or x != x:
        return "n/a"
    return f"{x:,.{digits}f}"


def run_out(args, timeout=60):
    r = subprocess.run(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout)
    return r.returncode, r.stdout, r.stderr


def cpu_ticks(pid, split=False):
    """utime+stime of a process (all its threads), in clock ticks; (utime, stime) with split."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        u, s = int(fields[11]), int(fields[12])
        return (u, s) if split else u + s
    except (OSError, IndexError, ValueError):
        return None


def wait_idle(pid, quiet_s=0.3, max_s=8.0):
    """Wait until a tracer stops using CPU (it drained its ring buffer)."""
    deadline = time.monotonic() + max_s
    last = cpu_ticks(pid)
    while time.monotonic() < deadline:
        time.sleep(quiet_s)
        now = cpu_ticks(pid)
        if now is None or now == last:
            return
        last = now


def proc_mem(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmHWM", "VmRSS")):
                    k, v = line.split(":")
                    out[k] = int(v.split()[0])  # kB
    except OSError:
        pass
    return out


class Tracer:
    """bindtrace or bpftrace in the background, its output lines timestamped."""

    def __init__(self, args, ready_re, stdout_path=None, merge=False):
        self.lines = []
        self.ready = threading.Event()
        self.ready_at = None
        self.ready_re = re.compile(ready_re)
        out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
        self.t0 = time.monotonic()
        self.proc = spawn(args, stdout=subprocess.PIPE if merge else out, stderr=subprocess.PIPE if not merge else subprocess.STDOUT)
        if stdout_path:
            out.close()
        stream = self.proc.stdout if merge else self.proc.stderr
        self.reader = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.reader.start()

    def _read(self, stream):
        for raw in iter(stream.readline, b""):
            line = raw.decode(errors="replace").rstrip("\n")
            self.lines.append(line)
            if not self.ready.is_set() and self.ready_re.search(line):
                self.ready_at = time.monotonic()
                self.ready.set()

    def wait_ready(self, timeout=30):
        deadline = time.monotonic() + timeout
        while not self.ready.wait(0.02):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("not ready: " + " | ".join(self.lines[-5:]))
        return self.ready_at - self.t0

    def stop(self, sig=signal.SIGINT, timeout=4):
        # SIGINT (twice: bpftrace can miss one that lands right after its
        # "Attaching" line), then SIGKILL; a kill is recorded as a note.
        for attempt in range(2):
            if self.proc.poll() is not None:
                break
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                STOP_TROUBLE.append(f"{os.path.basename(self.proc.args[0])}: {signal.Signals(sig).name} "
                                    f"#{attempt + 1} not obeyed in {timeout} s")
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.reader.join(timeout=5)
        return self.lines


def bindtrace(extra, stdout_path=None):
    return Tracer([BT] + extra, r"bindtrace: attached \(tier: ", stdout_path)


def bpftrace(prog, stdout_path=None):
    # bpftrace prints "Attaching N probe..." on stdout: merge it to read it.
    return Tracer([BPFTRACE, "-e", prog], r"^Attaching \d+ probe", merge=True)


def bare_loader():
    # bench/bare_loader.c: "attached" on stderr, its count on stdout at exit.
    return Tracer([BARE], r"^attached$", merge=True)


def have_bare_loader():
    if os.access(BARE, os.X_OK):
        return True
    if not any("bt_bare_loader" in n for n in NOTES):
        NOTES.append(f"{BARE} missing: the bare libbpf loader rows are missing")
    return False


def closing_counters(lines):
    for line in reversed(lines):
        m = re.search(r"seen (\d+), filtered (\d+), emitted (\d+), aggregated (\d+).*dropped (\d+).*printed (\d+)", line)
        if m:
            return dict(zip(["seen", "filtered", "emitted", "aggregated", "dropped", "printed"], map(int, m.groups())))
    return None


def owner_counters(lines):
    for line in reversed(lines):
        m = re.search(r"owners resolved (\d+) \(cache hits (\d+)\), not found (\d+), skipped under load (\d+)", line)
        if m:
            return dict(zip(["resolved", "cache_hits", "not_found", "skipped"], map(int, m.groups())))
    return None


def bt_sock(args, timeout=120):
    rc, out, err = run_out([SOCK] + args, timeout=timeout)
    return out


def ns_per_call(action, count):
    """(wall, cpu) ns per call of a bt_sock loop."""
    out = bt_sock(["--count", str(count), action])
    m = re.search(r"ns_per_call ([\d.]+) cpu_ns_per_call ([\d.]+)", out)
    if not m:
        raise RuntimeError(f"bt_sock {action}: {out!r}")
    return float(m.group(1)), float(m.group(2))


def storm(threads, count=STORM_COUNT, port=PORT_STORM):
    out = bt_sock(["-P", str(port), "--count", str(count), "--threads", str(threads), "fail-loop"], timeout=300)
    m = re.search(r"failures (\d+) elapsed_ns (\d+)", out)
    if not m:
        raise RuntimeError(f"fail-loop: {out!r}")
    return int(m.group(1)), int(m.group(2)) / 1e9


def tiers_that_attach():
    tiers = []
    for tier in ("fentry", "kprobe", "tracepoint", "raw"):
        t = bindtrace(["--attach", tier, "--json"])
        try:
            t.wait_ready(timeout=20)
            tiers.append(tier)
        except RuntimeError:
            pass
        t.stop()
    return tiers


def want(n):
    return not ONLY or str(n) in ONLY


# ---------------------------------------------------------------- (1)(2) overhead

def bench_overhead(tiers):
    # The overhead is read from the loop's CPU time: the tracer's BPF program
    # runs in the looping thread and is charged to it, while time the loop
    # spends preempted by unrelated processes (2 shared vCPUs) is not. The
    # wall-clock overhead is shown next to it.
    log(f"(1)(2) overhead: {REPS} A/B pairs per tier, getpid x{GETPID_COUNT}, socket+bind+close x{BIND_COUNT}")
    for tier in tiers:
        res = {w: {k: [] for k in ("bare", "traced", "ratio", "bare_wall", "traced_wall", "ratio_wall")}
               for w in ("getpid", "bind")}

        def run_both():
            return {"getpid": ns_per_call("getpid-loop", GETPID_COUNT), "bind": ns_per_call("bind-loop", BIND_COUNT)}

        for rep in range(REPS):
            order = ["bare", "traced"] if rep % 2 == 0 else ["traced", "bare"]
            got = {}
            for cond in order:
                if cond == "bare":
                    got[cond] = run_both()
                else:
                    t = bindtrace(["--attach", tier, "--json"])
                    t.wait_ready()
                    got[cond] = run_both()
                    t.stop()
            for w in ("getpid", "bind"):
                (bare_wall, bare_cpu), (traced_wall, traced_cpu) = got["bare"][w], got["traced"][w]
                r = res[w]
                r["bare"].append(bare_cpu)
                r["traced"].append(traced_cpu)
                r["ratio"].append(traced_cpu / bare_cpu)
                r["bare_wall"].append(bare_wall)
                r["traced_wall"].append(traced_wall)
                r["ratio_wall"].append(traced_wall / bare_wall)

        def over(ratios):
            return f"{(median(ratios) - 1) * 100:+.1f} %"

        def spread(ratios):
            return f"{(min(ratios) - 1) * 100:+.1f} .. {(max(ratios) - 1) * 100:+.1f} %"

        for w, label in (("bind", "(1) socket+bind+close"), ("getpid", "(2) getpid")):
            r = res[w]
            SUMMARY.setdefault("overhead", {}).setdefault(tier, {})[w] = {
                "cpu_pct": (median(r["ratio"]) - 1) * 100, "wall_pct": (median(r["ratio_wall"]) - 1) * 100,
                "pairs": len(r["ratio"])}
            record("overhead", tier=tier, workload=w, bare_cpu_ns=r["bare"], traced_cpu_ns=r["traced"],
                   ratios_cpu=r["ratio"], bare_ns=r["bare_wall"], traced_ns=r["traced_wall"], ratios=r["ratio_wall"])
            row("overhead", label, tier, fmt(median(r["bare"])), fmt(median(r["traced"])), over(r["ratio"]),
                spread(r["ratio"]), over(r["ratio_wall"]), spread(r["ratio_wall"]))


# ---------------------------------------------------------------- (3) failure storm

def bench_storm(tier):
    log(f"(3) failure storm: {STORM_COUNT} failing binds, {STORM_REPS} runs per mode, 1 and 2 threads")
    modes = [
        ("bindtrace --json --no-owner", "bt", ["--attach", tier, "--json", "--no-owner"]),
        ("bindtrace --json --no-owner --batch", "bt", ["--attach", tier, "--json", "--no-owner", "--batch"]),
        ("bindtrace --json (owner on)", "bt", ["--attach", tier, "--json"]),
    ]
    if BPFTRACE:
        modes.append(("bpftrace one-liner, count map", "bpf", BPF_COUNT))
        modes.append(("bpftrace printf per event", "bpfp", BPF_PRINTF))
    owner_reps = 1
    for threads in (1, 2):
        bare_rates = []
        for name, kind, spec in modes:
            reps = owner_reps if "owner on" in name else STORM_REPS
            runs = []
            for rep in range(reps):
                # A/B: a bare storm next to each traced one, order alternating.
                order = ["bare", "traced"] if rep % 2 == 0 else ["traced", "bare"]
                for cond in order:
                    if cond == "bare":
                        n, secs = storm(threads)
                        bare_rates.append(n / secs)
                        continue
                    if kind == "bt":
                        t = bindtrace(spec)
                    elif kind == "bpf":
                        t = bpftrace(spec)
                    else:
                        t = Tracer([BPFTRACE, "-e", spec], r"^Attaching \d+ probe", merge=True)
                    t.wait_ready()
                    if kind != "bt":
                        time.sleep(0.3)  # bpftrace prints "Attaching" before it attaches
                    n, secs = storm(threads)
                    wait_idle(t.proc.pid)
                    lines = t.stop()
                    run = {"failures": n, "secs": secs, "rate": n / secs}
                    if kind == "bt":
                        c = closing_counters(lines) or {}
                        run.update(c)
                        # Every failure either printed one by one or counted per
                        # endpoint in the kernel (the "aggregate" records).
                        run["captured"] = c.get("printed", 0) + c.get("aggregated", 0)
                        oc = owner_counters(lines)
                        if oc:
                            run["owner"] = oc
                    elif kind == "bpf":
                        m = re.search(r"@\[bt_sock\]: (\d+)", "\n".join(lines))
                        run["captured"] = int(m.group(1)) if m else 0
                        lost = re.findall(r"Lost (\d+) events", "\n".join(lines))
                        run["dropped"] = sum(map(int, lost))
                    else:
                        run["captured"] = sum(1 for l in lines if l.startswith("bt_sock "))
                        lost = re.findall(r"Lost (\d+) events", "\n".join(lines))
                        run["dropped"] = sum(map(int, lost))
                    run["captured_rate"] = run["captured"] / secs
                    runs.append(run)
            record("storm", threads=threads, mode=name, runs=runs)
            cap = median([r["captured_rate"] for r in runs])
            rate = median([r["rate"] for r in runs])
            drop = median([r.get("dropped", 0) / max(1, r["failures"]) * 100 for r in runs])
            SUMMARY.setdefault("storm", {}).setdefault(str(threads), {})[name] = {
                "kind": kind, "rate": rate, "captured_rate": cap, "drop_pct": drop,
                "dropped_total": sum(r.get("dropped", 0) for r in runs),
                "failures_total": sum(r["failures"] for r in runs), "runs": len(runs)}
            extra = ""
            if runs and "aggregated" in runs[-1]:
                printed = median([r.get("printed", 0) / r["secs"] for r in runs])
                extra = f"printed one by one {fmt(printed / 1000)} k/s, the rest counted in the kernel; "
            if runs and "owner" in runs[-1]:
                o = runs[-1]["owner"]
                extra += f"owners resolved {o['resolved']} (cache hits {o['cache_hits']}), skipped under load {o['skipped']}"
            row("storm", str(threads), name, fmt(rate / 1000), fmt(cap / 1000),
                fmt(drop) + " %", str(len(runs)), extra)
        record("storm_bare", threads=threads, rates=bare_rates)
        SUMMARY["storm"][str(threads)]["no tracer (baseline)"] = {"kind": "bare", "rate": median(bare_rates)}
        row("storm", str(threads), "no tracer (baseline)", fmt(median(bare_rates) / 1000), "-", "-", str(len(bare_rates)), "")


# ---------------------------------------------------------------- (4) latency with owner

def parse_time_ns(s):
    # "2026-11-21T22:39:38.675669290Z"
    base, _, frac = s.rstrip("Z").partition(".")
    secs = calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S"))
    return secs * 1_000_000_000 + int((frac + "000000000")[:9])


def bench_latency(tier):
    import socket
    log(f"(4) latency: {LAT_N} failing binds {LAT_GAP_MS} ms apart, owner resolution on")
    holder_r, holder_w = os.pipe()
    holder = spawn([SOCK, "-P", str(PORT_LAT), "--stdin-hold", "listen"], stdin=holder_r, stdout=subprocess.PIPE)
    os.close(holder_r)
    holder.stdout.readline()
    bt = spawn([BT, "--attach", tier, "--json", "--port", str(PORT_LAT)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lat, owners_ok, kinds = [], 0, {}
    done = threading.Event()

    def reader():
        for raw in iter(bt.stdout.readline, b""):
            now = time.time_ns()
            try:
                ev = json.loads(raw)
            except ValueError:
                continue
            lat.append((now - parse_time_ns(ev["time"])) / 1e6)
            k = (ev.get("owner") or {}).get("kind", "none")
            kinds[k] = kinds.get(k, 0) + 1
            if len(lat) >= LAT_N:
                done.set()
        done.set()

    err_lines = []
    ready = threading.Event()

    def err_reader():
        for raw in iter(bt.stderr.readline, b""):
            err_lines.append(raw.decode(errors="replace").rstrip())
            if "attached" in err_lines[-1]:
                ready.set()

    threading.Thread(target=reader, daemon=True).start()
    threading.Thread(target=err_reader, daemon=True).start()
    if not ready.wait(30):
        raise RuntimeError("bindtrace did not attach: " + " | ".join(err_lines))
    # The steady state: after `attached` the listener index's start-up walk
    # runs (tens of ms); a failure inside it waits for it, a start-up cost (6).
    wait_idle(bt.pid)
    for _ in range(LAT_N):
        s = socket.socket()
        try:
            s.bind(("0.0.0.0", PORT_LAT))
        except OSError:
            pass
        s.close()
        time.sleep(LAT_GAP_MS / 1000)
    done.wait(10)
    bt.send_signal(signal.SIGINT)
    try:
        bt.wait(10)
    except subprocess.TimeoutExpired:
        bt.kill()
    os.close(holder_w)
    holder.wait(10)
    first = lat[0] if lat else float("nan")
    record("latency", n_sent=LAT_N, latencies_ms=lat, owner_kinds=kinds, stderr=err_lines[-3:])
    owners_ok = kinds.get("process", 0)
    SUMMARY["latency"] = {"sent": LAT_N, "read": len(lat), "p50_ms": median(lat), "p99_ms": pct(lat, 0.99),
                          "max_ms": max(lat) if lat else None, "with_owner": owners_ok}
    row("latency", str(LAT_N), str(len(lat)), fmt(median(lat), 2), fmt(pct(lat, 0.99), 2), fmt(max(lat) if lat else None, 2),
        fmt(first, 2), f"{owners_ok}/{len(lat)}")


# ---------------------------------------------------------------- (5) who PORT

def time_cmd(args, timeout=60):
    # A blocking wait: subprocess.run(timeout=) polls with sleeps growing to
    # 50 ms, which rounds every time up to 15.5, 31.5, 63.5, 113.5 ... ms.
    t0 = time.perf_counter()
    p = spawn(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    killer = threading.Timer(timeout, p.kill)
    killer.start()
    try:
        p.wait()
    finally:
        killer.cancel()
    ms = (time.perf_counter() - t0) * 1000
    CHILDREN.remove(p)
    return ms


def who_commands(port, who_args=()):
    cmds = [("bindtrace who", [BT, "who", *who_args, str(port)]),
            ("ss -Hltnp sport = :P", ["ss", "-Hltnp", "sport", "=", f":{port}"])]
    if shutil.which("lsof"):
        cmds.append(("lsof -nP -iTCP:P -sTCP:LISTEN", ["lsof", "-nP", f"-iTCP:{port}", "-sTCP:LISTEN"]))
    if shutil.which("fuser"):
        cmds.append(("fuser P/tcp", ["fuser", f"{port}/tcp"]))
    cmds.append(("/bin/true (spawn floor)", ["/bin/true"]))
    return cmds


def listeners():
    rc, out, _ = run_out(["ss", "-Hltn"])
    return len(out.splitlines())


def time_who(label, port, reps, holder_pid, only=None, who_args=()):
    cmds = who_commands(port, who_args)
    if only:
        cmds = [c for c in cmds if c[0] in only or c[0].startswith("/bin/true")]
    # Each command names the holder? (correctness, once)
    for name, args in cmds[:-1]:
        rc, out, err = run_out(args)
        ok = str(holder_pid) in out + err
        record("who_check", extra=label, cmd=name, names_holder=ok)
        if not ok:
            NOTES.append(f"`{name}` did not name pid {holder_pid} ({label})")
    times = {name: [] for name, _ in cmds}
    for rep in range(reps):
        k = rep % len(cmds)
        for name, args in cmds[k:] + cmds[:k]:  # rotate the order every round
            times[name].append(time_cmd(args))
    who = median(times["bindtrace who"])
    for name, _ in cmds:
        m = median(times[name])
        record("who", extra=label, cmd=name, ms=times[name])
        row("who", label, name, fmt(m, 1), fmt(pct(times[name], 0.9), 1),
            "1.00" if name == "bindtrace who" else fmt(m / who, 2))
    return {name.split()[0]: median(ts) for name, ts in times.items()}


def bench_who(tier):
    log(f"(5) who: {WHO_REPS} fresh runs per command, then with {WHO_PROCS} extra processes holding sockets")
    rfd, wfd = os.pipe()
    try:
        target = spawn([SOCK, "-P", str(PORT_WHO), "--stdin-hold", "listen"], stdin=rfd, stdout=subprocess.PIPE)
        target.stdout.readline()
        summary = SUMMARY.setdefault("who", {})
        summary["zero"] = time_who("0 extra", PORT_WHO, max(5, WHO_REPS // 2), target.pid)
        warm0 = run_warm()
        base = listeners()
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        t0 = time.monotonic()
        for i in range(WHO_PROCS):
            spawn([SOCK, "-P", "0", "--stdin-hold", "listen"], stdin=rfd, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while listeners() < base + WHO_PROCS and time.monotonic() < deadline:
            time.sleep(0.2)
        n = listeners() - base
        log(f"    {n} extra listeners up in {time.monotonic() - t0:.1f} s")
        label = f"{n} extra"
        summary["procs"] = n
        summary["loaded"] = time_who(label, PORT_WHO, WHO_REPS, target.pid)
        warm = run_warm()
        if warm:
            summary["warm_loaded"] = warm
        # The same fresh `who`, lsof beside it, while an agent runs (its
        # programs attached, its listener index seeded from these processes).
        try:
            with Agent() as agent:
                if not agent.wait_holder_walk():
                    NOTES.append("the agent pinned no holder walk: `who` scanned /proc")
                summary["agent"] = time_who(f"{label}, agent running", PORT_WHO, WHO_REPS, target.pid,
                                            only=("bindtrace who", "lsof -nP -iTCP:P -sTCP:LISTEN"),
                                            who_args=("--pin-dir", PIN_DIR))
                summary["agent_ready_ms"] = agent.ready_ms
        except Exception as e:
            NOTES.append(f"`who` with an agent running not measured: {e}")
            log(f"who with an agent running: {e}")
        # Start-up with that many processes (the listener index is seeded from them).
        st = []
        for _ in range(max(3, START_REPS // 2)):
            t = bindtrace(["--attach", tier, "--json"])
            st.append(t.wait_ready() * 1000)
            t.stop()
        record("startup_loaded", extra=label, ms=st)
        row("startup", f"bindtrace ({tier}), {label} processes", fmt(median(st), 1), "", "")
        for lab, w in (("0 extra", warm0), (label, warm)):
            if w:
                record("who_warm", extra=lab, **w)
                row("who_warm", lab, fmt(w.get("first_ms"), 2), fmt(w.get("median_ms"), 2), fmt(w.get("p99_ms"), 2))
    finally:
        os.close(wfd)  # every holder sees EOF on stdin and exits
        os.close(rfd)
        deadline = time.monotonic() + 20
        for p in CHILDREN:
            if p.poll() is None and time.monotonic() < deadline:
                try:
                    p.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    pass
        kill_all()


def run_warm():
    if not os.path.exists(WARM):
        NOTES.append(f"{WARM} missing: warm `who` not measured")
        return None
    rc, out, err = run_out([WARM, str(PORT_WHO), str(WARM_N)], timeout=300)
    vals = dict(re.findall(r"(\w+) ([\d.]+)", out))
    return {k: float(v) for k, v in vals.items()}


# ---------------------------------------------------------------- (6) start-up

def bench_startup(tiers):
    log(f"(6) start-up to attached: {START_REPS} runs each, alternating")
    cands = [(f"bindtrace (auto: {tiers[0]})", lambda: bindtrace(["--json"]))]
    for tier in tiers:
        cands.append((f"bindtrace --attach {tier}", lambda tier=tier: bindtrace(["--attach", tier, "--json"])))
    if BPFTRACE:
        cands.append(("bpftrace one-liner", lambda: bpftrace(BPF_COUNT)))
    bare_name = "bare libbpf loader (bench/bare_loader.c)"
    if have_bare_loader():
        cands.append((bare_name, bare_loader))
    times = {name: [] for name, _ in cands}
    for rep in range(START_REPS):
        k = rep % len(cands)
        for name, mk in cands[k:] + cands[:k]:
            t = mk()
            times[name].append(t.wait_ready() * 1000)
            time.sleep(0.3)  # let bpftrace install its SIGINT handler before stopping it
            t.stop()
    ref = median(times[cands[0][0]])
    floor = median(times[bare_name]) if bare_name in times else float("nan")
    SUMMARY["startup"] = {
        "auto_ms": ref, "bare_ms": floor,
        "bpftrace_ms": median(times["bpftrace one-liner"]) if "bpftrace one-liner" in times else None,
        "medians_ms": {name: median(times[name]) for name, _ in cands}}
    for name, _ in cands:
        m = median(times[name])
        record("startup", cmd=name, ms=times[name])
        row("startup", name, fmt(m, 1), fmt(pct(times[name], 0.9), 1), fmt(m / ref, 2), fmt(m / floor, 2))


# ---------------------------------------------------------------- (7) memory

def bpf_maps_of(pid):
    """memlock of the BPF maps a process holds (its bpf-map fds' fdinfo; this
    bpftool has no pid column), with names from `bpftool map show`."""
    names_by_id = {}
    rc, out, _ = run_out(["bpftool", "-j", "map", "show"])
    try:
        for m in json.loads(out):
            names_by_id[m["id"]] = (m.get("name", "?"), m.get("type", "?"))
    except (ValueError, KeyError, TypeError):
        pass
    seen, total, names = set(), 0, []
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return None, []
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") != "anon_inode:bpf-map":
                continue
            info = dict(l.split(":", 1) for l in open(f"/proc/{pid}/fdinfo/{fd}").read().splitlines() if ":" in l)
        except OSError:
            continue
        mid = int(info.get("map_id", "-1").strip())
        if mid in seen:
            continue
        seen.add(mid)
        mem = int(info.get("memlock", "0").strip())
        total += mem
        name, typ = names_by_id.get(mid, ("?", info.get("map_type", "?").strip()))
        names.append(f"{name}:{typ}:{mem // 1024}k")
    return total, names


def bench_memory(tier):
    log("(7) memory: resident set and BPF map memlock while tracing, idle and after a storm")
    cands = [("bindtrace --json (owner on)", lambda: bindtrace(["--attach", tier, "--json"]))]
    if BPFTRACE:
        cands.append(("bpftrace one-liner", lambda: bpftrace(BPF_COUNT)))
    if have_bare_loader():
        cands.append(("bare libbpf loader (bench/bare_loader.c)", bare_loader))
    if True:
        for name, mk in cands:
            t = mk()
            t.wait_ready()
            time.sleep(0.5)
            idle = proc_mem(t.proc.pid)
            maps_total, maps = bpf_maps_of(t.proc.pid)
            failures, _ = storm(1, count=100_000)
            wait_idle(t.proc.pid)
            after = proc_mem(t.proc.pid)
            lines = t.stop()
            record("memory", cmd=name, idle_kb=idle, after_storm_kb=after, maps_memlock=maps_total, maps=maps)
            SUMMARY.setdefault("memory", {})[name] = {
                "idle_rss_mb": idle.get("VmRSS", 0) / 1024, "hwm_after_storm_mb": after.get("VmHWM", 0) / 1024,
                "maps_memlock_mb": (maps_total or 0) / 1024 / 1024}
            counted = re.search(r"^eaddrinuse (\d+)$", "\n".join(lines), re.M)
            if mk is bare_loader and (not counted or int(counted.group(1)) < failures):
                NOTES.append(f"bare loader counted {counted.group(1) if counted else 'nothing'} of {failures} failures")
            row("memory", name, fmt(idle.get("VmRSS", 0) / 1024, 1), fmt(after.get("VmHWM", 0) / 1024, 1),
                fmt((maps_total or 0) / 1024 / 1024, 2) if maps_total is not None else "n/a", str(len(maps)))


# ---------------------------------------------------------------- BPF programs and stats

def bpf_progs():
    """id -> `bpftool prog show` record, for every loaded program."""
    rc, out, _ = run_out(["bpftool", "-j", "prog", "show"])
    try:
        return {p["id"]: p for p in json.loads(out)}
    except (ValueError, KeyError, TypeError):
        return {}


def bpf_fd_ids(pid, link_prefix, field):
    """The `field` ids (fdinfo) of a process's fds whose /proc link starts with
    `link_prefix` ("anon_inode:bpf" for every BPF object, "anon_inode:bpf_link")."""
    ids = set()
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return ids
    for fd in fds:
        try:
            if not os.readlink(f"/proc/{pid}/fd/{fd}").startswith(link_prefix):
                continue
            with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                m = re.search(rf"^{field}:\s*(\d+)", f.read(), re.M)
        except OSError:
            continue
        if m:
            ids.add(int(m.group(1)))
    return ids


def prog_ids_held(pid):
    """Program ids a process holds: its bpf-prog fds and the programs of its bpf_link fds."""
    return bpf_fd_ids(pid, "anon_inode:bpf", "prog_id")


def tracer_progs(before, pid):
    """The programs a tracer loaded: new since `before` (ids) and held by its
    process; only new ones when it holds none (another loader can run meanwhile)."""
    new = set(bpf_progs()) - before
    held = new & prog_ids_held(pid)
    return sorted(held or new)


def run_time(ids):
    """(run_time_ns, run_cnt, names) summed over these programs, now."""
    progs = bpf_progs()
    return (sum(progs.get(i, {}).get("run_time_ns", 0) for i in ids),
            sum(progs.get(i, {}).get("run_cnt", 0) for i in ids),
            [progs.get(i, {}).get("name", "?") for i in ids])


class BpfStats:
    """kernel.bpf_stats_enabled=1 for the block; the old value is put back
    on the way out, and at exit or on a signal should the block never end."""

    def __enter__(self):
        with open(STATS_SYSCTL) as f:
            STATS_RESTORE.append(f.read().strip())
        with open(STATS_SYSCTL, "w") as f:
            f.write("1")
        return self

    def __exit__(self, *exc):
        restore_bpf_stats()
        return False


# ---------------------------------------------------------------- (8) cost per failure

def bench_cost(tier):
    """Kernel BPF run time of the tracer's own programs plus the tracer
    process's user+system CPU, per failure, in the same storm for each tracer."""
    log(f"(8) cost per failure: {COST_COUNT} failing binds, {COST_REPS} runs per tracer, order rotating")
    cands = [("bindtrace --json --no-owner", "bt", ["--attach", tier, "--json", "--no-owner"]),
             ("bindtrace --json (owner on)", "bt", ["--attach", tier, "--json"])]
    if BPFTRACE:
        cands.append(("bpftrace one-liner, count map", "bpf", BPF_COUNT))
        cands.append(("bpftrace printf per event", "bpf", BPF_PRINTF))
    runs = {name: [] for name, _, _ in cands}
    with BpfStats():
        for rep in range(COST_REPS):
            k = rep % len(cands)
            for name, kind, spec in cands[k:] + cands[:k]:
                before = set(bpf_progs())
                t = bindtrace(spec) if kind == "bt" else bpftrace(spec)
                try:
                    t.wait_ready()
                    if kind != "bt":
                        time.sleep(0.3)  # bpftrace prints "Attaching" before it attaches
                    pid = t.proc.pid
                    # What a tracer does after it attached (bindtrace: the
                    # index's start-up walk, cutting the BTF cache) is start-up
                    # cost, measured by (6): let it finish first.
                    wait_idle(pid)
                    ids = tracer_progs(before, pid)
                    bpf0, cnt0, _ = run_time(ids)
                    cpu0 = cpu_ticks(pid, split=True)
                    failures, secs = storm(1, count=COST_COUNT, port=PORT_COST)
                    wait_idle(pid)  # until it has read what the storm left in its buffers
                    bpf1, cnt1, names = run_time(ids)
                    cpu1 = cpu_ticks(pid, split=True)
                finally:
                    t.stop()
                if not ids:
                    raise RuntimeError(f"{name}: no BPF programs of its own found")
                bpf_ns = bpf1 - bpf0
                user_ns, sys_ns = ((b - a) * 1e9 / CLK_TCK for a, b in zip(cpu0, cpu1))
                cpu_ns = user_ns + sys_ns
                runs[name].append({"failures": failures, "secs": secs, "prog_ids": ids,
                                   "progs": names,
                                   "bpf_run_time_ns": bpf_ns, "prog_runs": cnt1 - cnt0, "cpu_ns": cpu_ns,
                                   "user_ns": user_ns, "sys_ns": sys_ns,
                                   "bpf_ns_per_event": bpf_ns / max(1, failures),
                                   "cpu_ns_per_event": cpu_ns / max(1, failures),
                                   "ns_per_event": (bpf_ns + cpu_ns) / max(1, failures)})
    summary = SUMMARY["cost"] = {"count": COST_COUNT, "tracers": {}}
    for name, _, _ in cands:
        rs = runs[name]
        record("cost", cmd=name, runs=rs)
        summary["tracers"][name] = {
            "ns_per_event": median([r["ns_per_event"] for r in rs]),
            "bpf_ns_per_event": median([r["bpf_ns_per_event"] for r in rs]),
            "cpu_ns_per_event": median([r["cpu_ns_per_event"] for r in rs]),
            "prog_runs_per_failure": median([r["prog_runs"] / max(1, r["failures"]) for r in rs]),
            "runs": len(rs)}
    ref = summary["tracers"][cands[0][0]]["ns_per_event"]
    for peer, key in (("bpftrace one-liner, count map", "ratio_count_map"), ("bpftrace printf per event", "ratio_printf")):
        if peer in summary["tracers"]:
            summary[key] = ref / summary["tracers"][peer]["ns_per_event"]
    for name, _, _ in cands:
        c = summary["tracers"][name]
        row("cost", name, fmt(c["bpf_ns_per_event"]), fmt(c["cpu_ns_per_event"]), fmt(c["ns_per_event"]),
            fmt(c["prog_runs_per_failure"], 2), str(c["runs"]), fmt(ref / c["ns_per_event"], 2))


# ---------------------------------------------------------------- the agent, (9) agent idle

def bpf_mounts():
    """(type, target) of the bpf, tracefs and debugfs mounts."""
    out = set()
    try:
        with open("/proc/self/mounts") as f:
            for line in f:
                parts = line.split()
                if len(parts) > 2 and parts[2] in ("bpf", "tracefs", "debugfs"):
                    out.add((parts[2], parts[1]))
    except OSError:
        pass
    return out


def free_local_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Agent:
    """`bindtrace agent` with metrics on a localhost port, its log and its pins
    in directories of this run; on the way out: SIGTERM (then SIGKILL), the
    pins removed (`bindtrace unpin`), and any bpf/tracefs mount it made undone."""

    def __init__(self):
        import tempfile
        self.dir = tempfile.mkdtemp(prefix="bt-bench-agent-")
        TMP_DIRS.append(self.dir)
        self.log_path = os.path.join(self.dir, "events.jsonl")
        self.address = f"127.0.0.1:{free_local_port()}"
        self.mounts_before = bpf_mounts()
        self.leftovers = []
        self.prog_ids = set()

    def __enter__(self):
        self.t = Tracer([BT, "agent", "--log", self.log_path, "--metrics", self.address, "--pin-dir", PIN_DIR],
                        r"bindtrace agent: (attached|adopted)")
        try:
            self.ready_ms = self.t.wait_ready(timeout=60) * 1000
        except Exception:
            self.__exit__(None, None, None)
            raise
        self.pid = self.t.proc.pid
        self.prog_ids = prog_ids_held(self.pid)
        return self

    def wait_holder_walk(self, timeout=30):
        """Until the agent pinned its holder walk (after `attached`, in the
        background): what a fresh `who --pin-dir` answers through."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if os.path.isdir(PIN_DIR) and any(n.startswith("holder_walk_abi") for n in os.listdir(PIN_DIR)):
                return True
            time.sleep(0.05)
        return False

    def scrape(self):
        import urllib.request
        with urllib.request.urlopen(f"http://{self.address}/metrics", timeout=5) as r:
            return r.read().decode(errors="replace")

    def __exit__(self, *exc):
        self.t.stop(sig=signal.SIGTERM, timeout=5)
        unpin()
        # What stays: pins, the agent's programs, mounts it made.
        if os.path.isdir(BPFFS):
            self.leftovers += [f"{BPFFS}/{e}" for e in os.listdir(BPFFS) if e == os.path.basename(PIN_DIR)]
        left = self.prog_ids & set(bpf_progs())
        deadline = time.monotonic() + 3
        while left and time.monotonic() < deadline:  # programs are freed a moment after their last link
            time.sleep(0.1)
            left = self.prog_ids & set(bpf_progs())
        if left:
            self.leftovers.append(f"programs still loaded: {sorted(left)}")
        for typ, target in sorted(bpf_mounts() - self.mounts_before):
            if typ == "bpf" and os.listdir(target):
                self.leftovers.append(f"{typ} mounted at {target} (not empty, left mounted)")
                continue
            rc, _, err = run_out(["umount", target])
            if rc != 0:
                self.leftovers.append(f"{typ} mounted at {target} (umount: {err.strip()})")
        if self.leftovers:
            NOTES.append("the agent left: " + "; ".join(self.leftovers))
        shutil.rmtree(self.dir, ignore_errors=True)
        return False


def bench_agent_idle():
    log(f"(9) agent idle: RSS and CPU of `bindtrace agent` (metrics and log on) over {IDLE_S} s")
    with Agent() as a:
        time.sleep(1.0)  # past start-up: the listener index seeded, the recorder drained
        ticks0, t0 = cpu_ticks(a.pid), time.monotonic()
        time.sleep(IDLE_S)
        ticks1, wall = cpu_ticks(a.pid), time.monotonic() - t0
        mem = proc_mem(a.pid)
        if ticks0 is None or ticks1 is None or a.t.proc.poll() is not None:
            raise RuntimeError("the agent exited while idle: " + " | ".join(a.t.lines[-3:]))
        metrics = a.scrape()
        alive = a.t.proc.poll() is None
    names = sorted({m.group(1) for m in re.finditer(r"^(bindtrace_\w+)", metrics, re.M)})
    cpu_pct = (ticks1 - ticks0) / CLK_TCK / wall * 100
    s = SUMMARY["agent_idle"] = {
        "seconds": round(wall, 1), "rss_mb": mem.get("VmRSS", 0) / 1024, "hwm_mb": mem.get("VmHWM", 0) / 1024,
        "cpu_pct": cpu_pct, "cpu_ticks": ticks1 - ticks0, "ready_ms": a.ready_ms,
        "metrics_bytes": len(metrics), "metric_names": len(names), "alive_at_end": alive,
        "leftovers": a.leftovers}
    record("agent_idle", **s, metrics_sample=names[:20])
    row("agent_idle", fmt(s["seconds"], 0), fmt(s["rss_mb"], 1), fmt(s["hwm_mb"], 1), fmt(cpu_pct, 2) + " %",
        fmt(a.ready_ms, 0), f"{len(names)} bindtrace_* metrics, {len(metrics)} bytes",
        "nothing" if not a.leftovers else "; ".join(a.leftovers))


# ---------------------------------------------------------------- report

HEADERS = {
    "overhead": ("figure", "tier", "bare CPU ns/call", "traced CPU ns/call", "overhead, CPU time (median of pairs)",
                 "range of pairs", "overhead, wall clock (median of pairs)", "range of pairs"),
    "storm": ("threads", "tracer", "storm k failures/s", "captured k events/s", "dropped", "runs", "notes"),
    "latency": ("binds sent", "events read", "p50 ms", "p99 ms", "max ms", "first ms", "owner kind process"),
    "who": ("processes", "command (fresh process)", "median ms", "p90 ms", "ratio to bindtrace who"),
    "who_warm": ("processes", "first call ms", "median ms", "p99 ms"),
    "startup": ("command", "median ms to attached", "p90 ms", "ratio to bindtrace (auto)", "ratio to bare loader"),
    "memory": ("tracer", "VmRSS idle MB", "VmHWM after 100k-failure storm MB", "BPF map memlock MB", "maps"),
    "cost": ("tracer", "BPF run time ns/failure", "tracer CPU ns/failure", "total ns/failure",
             "program runs per failure", "runs", "bindtrace --no-owner / this"),
    "agent_idle": ("seconds watched", "VmRSS at end MB", "VmHWM MB", "CPU, % of one core", "start to attached ms",
                   "metrics scraped at end", "left after stop"),
}
TITLES = {
    "overhead": "(1)(2) Overhead with bindtrace running (bt_sock bind-loop / getpid-loop: the loop's CPU time, wall clock beside it)",
    "storm": "(3) Failure storm (bt_sock fail-loop)",
    "latency": "(4) Failed call to printed event with owner (CLOCK_REALTIME at read - event time)",
    "who": "(5) who PORT as a fresh command",
    "who_warm": "(5) who PORT warm: OwnerResolver::resolve_port() in one process (bench/bt_who_warm)",
    "startup": "(6) Start-up to attached",
    "memory": "(7) Memory while tracing",
    "cost": "(8) Cost per failure event: kernel run time of the tracer's BPF programs + its process's CPU, one storm each (1 thread)",
    "agent_idle": "(9) Agent idle (bindtrace agent, metrics on 127.0.0.1, log in a temp dir)",
}


def report():
    lines = []
    for sec in ("overhead", "storm", "latency", "who", "who_warm", "startup", "memory", "cost", "agent_idle"):
        if sec not in ROWS:
            continue
        lines.append(f"### {TITLES[sec]}\n")
        h = HEADERS[sec]
        lines.append("| " + " | ".join(h) + " |")
        lines.append("|" + "---|" * len(h))
        for cells in ROWS[sec]:
            cells = list(cells) + [""] * (len(h) - len(cells))
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    if STOP_TROUBLE:
        NOTES.append(f"{len(STOP_TROUBLE)} stop(s) needed more than one SIGINT: " + "; ".join(sorted(set(STOP_TROUBLE))))
    if NOTES:
        lines.append("Notes: " + "; ".join(NOTES))
    return "\n".join(lines)


# ---------------------------------------------------------------- targets: one table, one JSON

def why_missing(n, peer=None):
    if peer and not shutil.which(peer):
        return f"{peer} not installed"
    return SKIPPED.get(n, f"figure ({n}) gave no number")


def targets():
    """Each target as {figure, target, measured, value, unit, met}, read from SUMMARY only."""
    rows = []

    def add(n, figure, target, op, limit, value, unit, text=None, peer=None, also=True, digits=1):
        if value is None or value != value:
            rows.append({"figure": figure, "target": target, "measured": why_missing(n, peer), "value": None,
                         "unit": unit, "met": "not measured"})
            return
        ok = value <= limit if op == "<=" else value >= limit
        rows.append({"figure": figure, "target": target, "value": value, "unit": unit,
                     "measured": text or f"{fmt(value, digits)} {unit}", "met": "yes" if ok and also else "no"})

    S = SUMMARY
    ov = S.get("overhead", {})
    for tier in ov or ["tracepoint"]:
        for w, label, limit in (("bind", "(1) socket+bind+close overhead", 1), ("getpid", "(2) getpid overhead", 7)):
            o = ov.get(tier, {}).get(w, {})
            add(1, f"{label}, {tier} tier", f"<= +{limit} % CPU time", "<=", limit, o.get("cpu_pct"), "%",
                text=o and f"{o['cpu_pct']:+.1f} % CPU time ({o['wall_pct']:+.1f} % wall, median of {o['pairs']} pairs)")
    st = S.get("storm", {})
    for threads in ("1", "2"):
        modes = st.get(threads, {})
        bt = {k: v for k, v in modes.items() if v.get("kind") == "bt"}
        lost = sum(v["dropped_total"] for v in bt.values()) if bt else None
        fails = sum(v["failures_total"] for v in bt.values()) if bt else 0
        rate = modes.get("bindtrace --json --no-owner", {}).get("rate")
        add(3, f"(3) failure storm, {threads} thread(s): events lost by bindtrace", "0", "<=", 0, lost, "events",
            text=bt and f"{lost} of {fails:,} failures (storm {fmt((rate or 0) / 1000, 0)} k/s)", digits=0)
        mine = modes.get("bindtrace --json --no-owner", {}).get("captured_rate")
        peer = modes.get("bpftrace printf per event", {}).get("captured_rate")
        ratio = mine / peer if mine and peer else None
        add(3, f"(3) failure storm, {threads} thread(s): captured vs bpftrace printf", ">= 5x", ">=", 5, ratio, "x",
            peer="bpftrace", digits=2)
    lat = S.get("latency", {})
    add(4, "(4) failed call to printed event with owner, p99", "<= 5 ms", "<=", 5, lat.get("p99_ms"), "ms",
        text=lat and f"p99 {fmt(lat['p99_ms'], 2)} ms, p50 {fmt(lat['p50_ms'], 2)} ms, {lat['read']}/{lat['sent']} read",
        also=bool(lat) and lat["read"] >= lat["sent"])
    who = S.get("who", {})
    procs = who.get("procs", WHO_PROCS)
    zero, loaded, agent = who.get("zero", {}), who.get("loaded", {}), who.get("agent", {})

    def faster(d, peer):
        return d[peer] / d["bindtrace"] if d.get(peer) and d.get("bindtrace") else None

    bt_ms = loaded.get("bindtrace")
    add(5, f"(5) who PORT fresh, {procs} extra processes", "<= 50 ms", "<=", 50, bt_ms, "ms")
    r = faster(loaded, "lsof")
    add(5, f"(5) who PORT fresh, {procs} extra processes, vs lsof (no agent)", ">= 6x faster than lsof", ">=", 6, r,
        "x", text=r and f"{r:.2f}x ({fmt(bt_ms)} ms vs {fmt(loaded['lsof'])} ms)", peer="lsof")
    r = faster(agent, "lsof")
    add(5, f"(5) who PORT fresh, {procs} extra processes, vs lsof, agent running", ">= 20x faster than lsof", ">=", 20,
        r, "x", text=r and f"{r:.2f}x ({fmt(agent['bindtrace'])} ms vs {fmt(agent['lsof'])} ms)", peer="lsof")
    for peer, pname in (("lsof", "lsof"), ("ss", None)):
        r = faster(zero, peer)
        add(5, f"(5) who PORT fresh, 0 extra processes, vs {peer}", f">= 1.0x {peer} (never slower)", ">=", 1.0, r, "x",
            text=r and f"{r:.3f}x ({fmt(zero['bindtrace'], 2)} ms vs {fmt(zero[peer], 2)} ms)", peer=pname, digits=3)
    warm = who.get("warm_loaded") or {}
    add(5, f"(5) who PORT warm, {procs} extra processes, median", "<= 15 ms", "<=", 15, warm.get("median_ms"), "ms",
        digits=2)
    su = S.get("startup", {})
    add(6, "(6) start-up to attached (auto)", "<= 30 ms", "<=", 30, su.get("auto_ms"), "ms")
    bare = su.get("bare_ms")
    bare = None if bare is None or bare != bare else bare  # nan: no bare loader
    r = su["auto_ms"] / bare if su.get("auto_ms") and bare else None
    add(6, "(6) start-up vs the bare libbpf loader", "<= 1.8x", "<=", 1.8, r, "x",
        text=r and f"{r:.2f}x ({fmt(su['auto_ms'])} ms vs {fmt(su['bare_ms'])} ms)", digits=2)
    r = su["auto_ms"] / su["bpftrace_ms"] if su.get("auto_ms") and su.get("bpftrace_ms") else None
    add(6, "(6) start-up vs bpftrace's start-up", "<= 0.2x", "<=", 0.2, r, "x",
        text=r and f"{r:.2f}x ({fmt(su['auto_ms'])} ms vs {fmt(su['bpftrace_ms'])} ms)", peer="bpftrace", digits=2)
    mem = S.get("memory", {}).get("bindtrace --json (owner on)", {})
    add(7, "(7) bindtrace resident memory, idle", "<= 20 MB", "<=", 20, mem.get("idle_rss_mb"), "MB",
        text=mem and f"{fmt(mem['idle_rss_mb'])} MB idle, {fmt(mem['hwm_after_storm_mb'])} MB high-water after a storm")
    cost = S.get("cost", {})
    ct = cost.get("tracers", {})

    def cost_text(peer, key):
        if key not in cost:
            return None
        a, b = ct["bindtrace --json --no-owner"]["ns_per_event"], ct[peer]["ns_per_event"]
        return f"{cost[key]:.3f}x ({fmt(a, 0)} ns vs {fmt(b, 0)} ns per failure)"

    add(8, "(8) cost per failure vs bpftrace count map", "<= 0.5x", "<=", 0.5, cost.get("ratio_count_map"), "x",
        text=cost_text("bpftrace one-liner, count map", "ratio_count_map"), peer="bpftrace", digits=2)
    add(8, "(8) cost per failure vs bpftrace printf", "<= 0.2x", "<=", 0.2, cost.get("ratio_printf"), "x",
        text=cost_text("bpftrace printf per event", "ratio_printf"), peer="bpftrace", digits=2)
    ai = S.get("agent_idle", {})
    add(9, "(9) agent idle, resident memory", "<= 20 MB", "<=", 20, ai.get("rss_mb"), "MB",
        text=ai and f"{fmt(ai['rss_mb'])} MB at the end, {fmt(ai['hwm_mb'])} MB peak (VmHWM)")
    add(9, "(9) agent idle, CPU", "<= 1 % of one core", "<=", 1, ai.get("cpu_pct"), "%",
        text=ai and f"{fmt(ai['cpu_pct'], 2)} % over {fmt(ai['seconds'], 0)} s", digits=2)
    return rows


def plain(x):
    """JSON-safe: NaN and infinities become null, sets and tuples lists."""
    if isinstance(x, float):
        return x if x == x and abs(x) != float("inf") else None
    if isinstance(x, dict):
        return {str(k): plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, set)):
        return [plain(v) for v in x]
    if x is None or isinstance(x, (str, int, bool)):
        return x
    return str(x)


def targets_table(rows):
    lines = ["### Targets", "", "| figure | target | measured | met |", "|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['figure']} | {r['target']} | {r['measured']} | {r['met']} |")
    met = sum(r["met"] == "yes" for r in rows)
    missed = sum(r["met"] == "no" for r in rows)
    lines.append(f"\n{met} met, {missed} not met, {len(rows) - met - missed} not measured")
    return "\n".join(lines)


def print_final_table():
    try:
        with open(JSON_OUT) as f:
            rows = json.load(f)["figures"]
    except (OSError, ValueError, KeyError) as e:
        print(f"bench: no targets table: {JSON_OUT}: {e}")
        return 1
    print()
    print(targets_table(rows))
    return 0


# ---------------------------------------------------------------- is the machine quiet?

TRACING_LINKS = {"tracepoint", "raw_tracepoint", "perf_event", "tracing", "kprobe", "kprobe_multi",
                 "uprobe_multi", "tracing_multi"}


def ancestors():
    pids, pid = set(), os.getpid()
    while pid > 1 and pid not in pids:
        pids.add(pid)
        try:
            with open(f"/proc/{pid}/stat") as f:
                pid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
    return pids


def link_holders():
    """link id -> pids that hold an fd of it."""
    holders = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            for link in bpf_fd_ids(d, "anon_inode:bpf_link", "link_id"):
                holders.setdefault(link, set()).add(int(d))
    return holders


def comm_of(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return "?"


def quiet_problems():
    """What would skew the figures: bindtrace pins, other tracers running,
    tracing links that are not this run's. Each with how to clear it."""
    problems = []
    if ("bpf", BPFFS) in bpf_mounts():
        for e in sorted(os.listdir(BPFFS)):
            if e.startswith(("bindtrace", "bt-")):
                problems.append(f"pins in {BPFFS}/{e} (clear: bindtrace unpin --pin-dir {BPFFS}/{e})")
    mine = ancestors() | {p.pid for p in CHILDREN}
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) in mine:
            continue
        name = comm_of(d)
        try:
            exe = os.path.basename(os.readlink(f"/proc/{d}/exe"))
        except OSError:
            exe = ""
        if name in ("bindtrace", "bpftrace") or exe in ("bindtrace", "bpftrace"):
            problems.append(f"{exe or name} running as pid {d} (clear: kill {d})")
    if shutil.which("bpftool"):
        rc, out, _ = run_out(["bpftool", "-j", "-f", "link", "show"])
        try:
            links = [l for l in json.loads(out or "[]") if str(l.get("type")) in TRACING_LINKS]
        except ValueError:
            links = []
        if links:
            holders, progs = link_holders(), bpf_progs()
            ours = {p.pid for p in CHILDREN}
            groups = {}  # (held by, how to clear) -> links
            for l in links:
                pids = holders.get(l["id"], set())
                if pids and pids <= ours:
                    continue
                prog = progs.get(l.get("prog_id"), {}).get("name", "?")
                pinned = l.get("pinned") or []
                if pids:
                    key = ("held by " + ", ".join(f"pid {p} ({comm_of(p)})" for p in sorted(pids)),
                           "kill " + " ".join(map(str, sorted(pids))))
                elif pinned:
                    d = os.path.dirname(pinned[0])
                    key = (f"pinned in {d}", f"bindtrace unpin --pin-dir {d}, or rm the pins")
                else:
                    key = ("held by no process (pinned elsewhere?)", "find its pin on a bpffs mount and remove it")
                groups.setdefault(key, []).append(f"{l['type']} {l['id']} {prog}")
            for (held, clear), items in groups.items():
                problems.append(f"{len(items)} tracing link(s) not ours {held}: {', '.join(items)} (clear: {clear})")
    else:
        log("bpftool missing: tracing links not checked")
    return problems


def check_quiet():
    if os.environ.get("BENCH_FORCE") == "1":
        log("BENCH_FORCE=1: not checking that the machine is quiet")
        return
    problems = quiet_problems()
    if problems:
        print("bench: the machine is not quiet, refusing to measure: " + "; ".join(problems) +
              "; or set BENCH_FORCE=1 to measure anyway", file=sys.stderr, flush=True)
        sys.exit(3)


def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "kernel": os.uname().release, "cpu": model,
            "loadavg_start": open("/proc/loadavg").read().split()[:3]}


def main():
    if "--final-table" in sys.argv[1:]:
        sys.exit(print_final_table())
    check_quiet()
    if "--check-quiet" in sys.argv[1:]:
        return
    for path in (BT, SOCK):
        if not os.access(path, os.X_OK):
            sys.exit(f"bench: {path} missing (build first: scripts/build.sh)")
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))
    except (ValueError, OSError):
        pass
    t_start = time.monotonic()
    info = machine()
    log(f"machine: {info}")
    tiers = tiers_that_attach()
    log(f"tiers that attach here: {tiers}")
    if not tiers:
        sys.exit("bench: no hook tier attaches (run as root on a kernel with BPF)")
    default_tier = tiers[0]
    if not BPFTRACE:
        NOTES.append("bpftrace not installed: its figures are missing")
    if not shutil.which("bpftool"):
        NOTES.append("bpftool not installed: figure (8) cannot read BPF run times")
    steps = [(5, lambda: bench_who(default_tier)), (4, lambda: bench_latency(default_tier)),
             (1, lambda: bench_overhead(tiers)), (3, lambda: bench_storm(default_tier)),
             (6, lambda: bench_startup(tiers)), (7, lambda: bench_memory(default_tier)),
             (8, lambda: bench_cost(default_tier)), (9, bench_agent_idle)]
    for n, fn in steps:
        if not want(n) and not (n == 1 and want(2)):
            SKIPPED[n] = f"figure ({n}) not run (BENCH_ONLY={','.join(sorted(ONLY))})"
            continue
        t0 = time.monotonic()
        try:
            fn()
        except Exception as e:  # one failed figure must not lose the others
            NOTES.append(f"figure ({n}) failed: {e}")
            SKIPPED[n] = f"figure ({n}) failed"
            log(f"figure ({n}) failed: {e}")
        log(f"    ({n}) took {time.monotonic() - t0:.0f} s")
    info["loadavg_end"] = open("/proc/loadavg").read().split()[:3]
    info["total_s"] = round(time.monotonic() - t_start, 1)
    info["tiers"] = tiers
    text = report()
    settings = {"REPS": REPS, "GETPID_COUNT": GETPID_COUNT, "BIND_COUNT": BIND_COUNT, "STORM_REPS": STORM_REPS,
                "STORM_COUNT": STORM_COUNT, "LAT_N": LAT_N, "LAT_GAP_MS": LAT_GAP_MS, "WHO_PROCS": WHO_PROCS,
                "WHO_REPS": WHO_REPS, "START_REPS": START_REPS, "COST_REPS": COST_REPS, "COST_COUNT": COST_COUNT,
                "IDLE_S": IDLE_S}
    rows = targets()
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write(json.dumps({"machine": info, "tiers": tiers, "settings": settings}) + "\n")
        for r in RAW:
            f.write(json.dumps(r) + "\n")
        f.write("\n" + text + "\n")
    os.makedirs(os.path.dirname(JSON_OUT) or ".", exist_ok=True)
    with open(JSON_OUT + ".tmp", "w") as f:
        json.dump(plain({"machine": info, "settings": settings, "figures": rows, "summary": SUMMARY, "raw": RAW}), f,
                  allow_nan=False)
    os.replace(JSON_OUT + ".tmp", JSON_OUT)
    print(f"machine: {info['nproc']} CPUs, {info['cpu']}, kernel {info['kernel']}; "
          f"tiers attaching: {', '.join(tiers)}; load avg {' '.join(info['loadavg_start'])} -> "
          f"{' '.join(info['loadavg_end'])}; {info['total_s']} s\n")
    print(text)
    log(f"raw numbers: {OUT}; targets and raw records: {JSON_OUT}")
    if os.environ.get("BENCH_DEFER_TABLE") != "1":  # scripts/bench.sh prints it after the micro run
        print()
        print(targets_table(rows))


if __name__ == "__main__":
    main()
