#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Napkin developers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Call set-up time: napkin-cli agents versus baresip, through one world.

Run by scripts/bench-call (which starts and stops the world); not a test.

    bench_call.py --world DIR --cli PATH --certd PATH [--calls N] [--tone WAV]
                  [--parts napkin,baresip,loop,nat] [--nat-world DIR]

Set-up time = from the INVITE leaving the caller to authenticated media
arriving on BOTH sides:
  napkin:  the caller's call_state "calling" (written right after the INVITE
           is handed to the SIP stack) -> the later of the two
           media {"flowing": true} events (first authenticated SRTP packet,
           reported by the media thread when it arrives).
  baresip: the ctrl_tcp "dial" command (its INVITE goes out within ~1 ms,
           CALL_LOCAL_SDP) -> the later of the two CALL_RTPESTAB events
           (first RTP packet that passed SRTP authentication).
Each agent's JSON "t" (ms since that agent started) is mapped onto this
script's clock with the smallest (arrival - t) seen on that agent's lines,
i.e. the least delayed line; baresip events are stamped on arrival.

Parts: napkin (cache_ttl 0 and warm series), baresip, loop (the cache_ttl 0
series only) and nat (the cache_ttl 0 series in the NAT world given by
--nat-world: alice and bob in their home namespaces, ICE over the world's
coturn; one "nat.call=" line per call with the ICE pair and two phases,
from the agents' own "ice" figures ("gather_ms" of bob, the callee, who
gathers before its 200 OK; the larger "check_ms" of the two), or, from an
agent that does not report them, read off its events:
  gather: bob's call_state "ringing" -> "answering";
  checks: alice's "answering" (the 200 OK with bob's candidates is in) ->
          the later of the two media events with "ice" (pair selected)).

Prints "key=value" lines (see the end of main()).
"""

import argparse
import json
import os
import re
import selectors
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import wave
import math
import struct

CALL_TIMEOUT = 20.0


def say(text):
    print(f"bench-call: {text}", file=sys.stderr, flush=True)


def read_env(path):
    env = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if "=" in line:
                key, value = line.rstrip("\n").split("=", 1)
                env[key] = value
    return env


class Agent:
    """A napkin-cli agent and the JSON events it printed, stamped on arrival."""

    def __init__(self, name, cli, args, log_dir, netns=None):
        self.name = name
        self.events = []
        self.offset = None  # our clock minus the agent's "t" (seconds)
        self.buffer = b""
        self.stderr = open(os.path.join(log_dir, name + ".err"), "wb")
        self.stdout_log = open(os.path.join(log_dir, name + ".out"), "wb")
        # `ip netns exec` execs the agent: the pid and SIGTERM stay the agent's.
        prefix = ["ip", "netns", "exec", netns] if netns else []
        self.proc = subprocess.Popen([*prefix, cli, "agent", *args], stdout=subprocess.PIPE,
                                     stderr=self.stderr, stdin=subprocess.DEVNULL)
        os.set_blocking(self.proc.stdout.fileno(), False)

    def pump(self):
        try:
            data = self.proc.stdout.read()
        except (BlockingIOError, ValueError):
            return
        now = time.monotonic()
        if not data:
            return
        self.buffer += data
        self.stdout_log.write(data)
        while b"\n" in self.buffer:
            line, self.buffer = self.buffer.split(b"\n", 1)
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if not isinstance(event, dict) or "t" not in event:
                continue
            offset = now - event["t"] / 1000.0
            self.offset = offset if self.offset is None else min(self.offset, offset)
            self.events.append(event)

    def when(self, event):
        """The event's time on our clock."""
        return self.offset + event["t"] / 1000.0

    def find(self, kind, start=0, **match):
        for i in range(start, len(self.events)):
            e = self.events[i]
            if e.get("event") == kind and all(e.get(k) == v for k, v in match.items()):
                return i, e
        return None, None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.pump()
        self.stderr.close()
        self.stdout_log.close()


def pump_until(agents, done, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        for a in agents:
            a.pump()
        if done():
            return
        for a in agents:
            if a.proc.poll() is not None:
                a.pump()
                if done():
                    return
                raise RuntimeError(f"{a.name} exited ({a.proc.returncode}) waiting for {what}")
            # Errors that end a call show up as a timeout; "sip" problems
            # (e.g. a lost ACK on a loaded machine) are reported, not fatal.
            fatal = [e for e in a.events if e.get("event") == "error"
                     and e.get("where") in ("start", "profile", "call", "registration")]
            if fatal:
                raise RuntimeError(f"{a.name}: {fatal[0]}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.002)


def profile_copy(world, name, tag, ttl, keep_key):
    with open(os.path.join(world, name + ".ini"), encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"(?m)^cache_ttl = .*$", f"cache_ttl = {ttl}", text)
    state = os.path.join(world, f"bench-{name}-{tag}.state")
    os.makedirs(state, exist_ok=True)
    text = re.sub(r"(?m)^state_dir = .*$", f"state_dir = {state}", text)
    if keep_key:
        text = re.sub(r"(?m)^key_storage = .*$", "key_storage = file", text)
    path = os.path.join(world, f"bench-{name}-{tag}.ini")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def ice_phases(alice, bob, calling, incoming):
    """One NAT call's ICE pair and phases (see the module's doc), or None."""
    call_a, call_b = calling["call"], incoming["call"]
    _, ringing = bob.find("call_state", call=call_b, state="ringing")
    _, answering_b = bob.find("call_state", call=call_b, state="answering")
    _, answering_a = alice.find("call_state", call=call_a, state="answering")
    ice_a = next((e for e in alice.events if e.get("event") == "media"
                  and e.get("call") == call_a and isinstance(e.get("ice"), dict)), None)
    ice_b = next((e for e in bob.events if e.get("event") == "media"
                  and e.get("call") == call_b and isinstance(e.get("ice"), dict)), None)
    out = {}
    if ringing and answering_b:
        out["gather_ms"] = (bob.when(answering_b) - bob.when(ringing)) * 1000.0
    if answering_a and ice_a and ice_b:
        out["check_ms"] = (max(alice.when(ice_a), bob.when(ice_b)) - alice.when(answering_a)) * 1000.0
    if ice_b and "gather_ms" in ice_b["ice"]:
        out["gather_ms"] = float(ice_b["ice"]["gather_ms"])
    if ice_a and ice_b and "check_ms" in ice_a["ice"] and "check_ms" in ice_b["ice"]:
        out["check_ms"] = float(max(ice_a["ice"]["check_ms"], ice_b["ice"]["check_ms"]))

    def pair(e):
        if not e:
            return "none"
        ice = e["ice"]
        return f'{ice.get("local")}->{ice.get("remote")}/{ice.get("transport")}'
    out["alice_pair"] = pair(ice_a)
    out["bob_pair"] = pair(ice_b)
    return out


def napkin_round(args, world, log_dir, tag, ttl, warmups, failures, one_caller=False,
                 netns=None, details=None):
    """Sequential alice -> bob calls; returns the set-up times (ms).

    one_caller: one alice process places every call (napkin-cli agent --calls),
    so her certificate cache and libraries are warm after the first call;
    otherwise each call is a fresh alice process.
    netns: {"alice": NS, "bob": NS} to run the agents in (a NAT world); then
    each measured call's ICE pair and phases are appended to `details`."""
    netns = netns or {}
    bob_ini = profile_copy(world, "bob", tag, ttl, keep_key=True)
    # alice keeps her key between runs, so the callee's cached set stays valid.
    alice_ini = profile_copy(world, "alice", tag, ttl, keep_key=True)
    bob = Agent(f"bob-{tag}", args.cli, ["--config", bob_ini, "--auto-answer", "--answer-delay", "0"],
                log_dir, netns.get("bob"))
    total = warmups + args.calls
    extra = [] if args.napkin_silent else ["--play", args.tone]

    def start_alice(name, calls):
        more = ["--calls", str(calls), "--call-interval", "0.5"] if calls > 1 else []
        return Agent(name, args.cli,
                     ["--config", alice_ini, "--call", "sip:bob@b.example",
                      "--hangup-after", "1", *more, *extra], log_dir, netns.get("alice"))

    times = []
    alice = None
    try:
        pump_until([bob], lambda: bob.find("registered", state="registered")[1]
                   and bob.find("enrolled")[1], 30, "bob to register and enrol")
        if one_caller:
            alice = start_alice(f"alice-{tag}", total)
        for n in range(total):
            if not one_caller:
                alice = start_alice(f"alice-{tag}-{n}", 1)
            seen_bob = len(bob.events)

            def nth_calling():
                """The n-th call's "calling" event (one_caller) or the only one."""
                count = 0
                for e in alice.events:
                    if e.get("event") == "call_state" and e.get("state") == "calling":
                        if count == (n if one_caller else 0):
                            return e
                        count += 1
                return None

            try:
                def flowing_both():
                    calling = nth_calling()
                    if not calling:
                        return False
                    _, a_flow = alice.find("media", call=calling["call"], flowing=True)
                    i, incoming = bob.find("incoming", seen_bob)
                    if not a_flow or not incoming:
                        return False
                    _, b_flow = bob.find("media", i, call=incoming["call"], flowing=True)
                    return b_flow is not None

                try:
                    pump_until([alice, bob], flowing_both, CALL_TIMEOUT, f"call {n} media")
                except RuntimeError as error:
                    failures.append(f"napkin {tag} call {n}: {error}")
                    say(failures[-1])
                    if one_caller:
                        break  # the later calls would not line up
                    continue
                calling = nth_calling()
                _, secure = alice.find("media", call=calling["call"], e2e=True)
                if not secure:
                    raise RuntimeError(f"call {n} was not end-to-end: {alice.events}")
                _, a_flow = alice.find("media", call=calling["call"], flowing=True)
                i, incoming = bob.find("incoming", seen_bob)
                _, b_flow = bob.find("media", i, call=incoming["call"], flowing=True)
                pump_until([alice, bob], lambda: alice.find("ended", call=calling["call"])[1],
                           CALL_TIMEOUT, f"call {n} to end")
                setup = max(alice.when(a_flow), bob.when(b_flow)) - alice.when(calling)
                if n >= warmups:
                    times.append(setup * 1000.0)
                    if details is not None:
                        phases = ice_phases(alice, bob, calling, incoming)
                        phases["setup_ms"] = setup * 1000.0
                        details.append(phases)
            finally:
                if not one_caller:
                    alice.stop()
    finally:
        if one_caller and alice is not None:
            alice.stop()
        bob.stop()
    return times


class Baresip:
    """A baresip-core instance driven over ctrl_tcp (netstring JSON)."""

    def __init__(self, name, base_dir, ip, aor_user, domain, password, proxy, tone):
        self.name = name
        self.dir = os.path.join(base_dir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.ip = ip
        self.ctrl_port = 5070
        source = f"aufile,{tone}"
        with open(os.path.join(self.dir, "config"), "w", encoding="utf-8") as f:
            f.write(f"""poll_method epoll
sip_listen {ip}:5060
net_interface {ip}
audio_player aubridge,play{name}
audio_alert aubridge,alert{name}
audio_source {source}
audio_srate 48000
audio_channels 1
module_path /usr/lib/baresip/modules
module opus.so
module srtp.so
module aufile.so
module aubridge.so
module_app account.so
module_app menu.so
module_app ctrl_tcp.so
ctrl_tcp_listen {ip}:{self.ctrl_port}
opus_stereo no
opus_sprop_stereo no
""")
        with open(os.path.join(self.dir, "accounts"), "w", encoding="utf-8") as f:
            os.fchmod(f.fileno(), 0o600)
            f.write(f"<sip:{aor_user}@{domain}>;auth_pass={password};outbound=\"sip:{proxy}\";"
                    "regint=300;mediaenc=srtp-mand;audio_codecs=opus/48000/1;answermode=auto\n")
        self.log = open(os.path.join(base_dir, name + ".log"), "wb")
        self.proc = subprocess.Popen(["baresip", "-f", self.dir], stdout=self.log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.sock = None
        self.buffer = b""
        self.events = []  # (arrival, dict)
        self.responses = []
        deadline = time.monotonic() + 10
        while self.sock is None:
            try:
                self.sock = socket.create_connection((ip, self.ctrl_port), timeout=1)
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError(f"baresip {name}: no ctrl_tcp")
                time.sleep(0.01)
        self.sock.setblocking(False)

    def send(self, command, params=None):
        msg = {"command": command, "token": command}
        if params:
            msg["params"] = params
        data = json.dumps(msg).encode()
        self.sock.setblocking(True)
        self.sock.sendall(str(len(data)).encode() + b":" + data + b",")
        self.sock.setblocking(False)
        return time.monotonic()

    def pump(self):
        try:
            data = self.sock.recv(65536)
        except BlockingIOError:
            return
        now = time.monotonic()
        if not data:
            raise RuntimeError(f"baresip {self.name} closed ctrl_tcp")
        self.buffer += data
        while True:
            m = re.match(rb"(\d+):", self.buffer)
            if not m:
                return
            size = int(m.group(1))
            start = m.end()
            if len(self.buffer) < start + size + 1:
                return
            body = json.loads(self.buffer[start:start + size])
            self.buffer = self.buffer[start + size + 1:]
            if body.get("event"):
                self.events.append((now, body))
            elif body.get("response"):
                self.responses.append(body)

    def find(self, kind, start=0):
        for i in range(start, len(self.events)):
            if self.events[i][1].get("type") == kind:
                return i, self.events[i]
        return None, None

    def stop(self):
        try:
            self.send("quit")
            self.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        if self.sock:
            self.sock.close()
        self.log.close()


def pump_baresip(nodes, done, timeout, what):
    deadline = time.monotonic() + timeout
    while not done():
        for b in nodes:
            b.pump()
            if b.proc.poll() is not None:
                raise RuntimeError(f"baresip {b.name} exited waiting for {what}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"baresip: timed out waiting for {what}")
        time.sleep(0.001)


def write_tone(path, seconds=3, hz=700.0):
    """A 48 kHz mono 16-bit tone, 3 s: enough for a call that ends 1 s after
    media flows, and short, because both napkin (--play) and baresip (aufile)
    read the whole file when the call's media starts, which counts in set-up."""
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(48000)
        w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * hz * i / 48000)))
                               for i in range(48000 * seconds)))


def add_user(certd, aor, db, pw_file):
    subprocess.run([certd, "user", "add", aor, "--password-file", pw_file, "--db",
                    "sqlite:" + db], check=True, stdout=subprocess.DEVNULL)


def baresip_round(args, env, work):
    base, last = env["WORLD_DNS"].rsplit(".", 1)
    # The world owns a /27 starting one below WORLD_DNS; offsets 20+ are unused by it.
    ip_a = f"{base}.{int(last) - 1 + 20}"
    ip_b = f"{base}.{int(last) - 1 + 21}"
    nodes = []
    for user, domain, db in (("benchx", "a.example", env["WORLD_A_DB"]),
                             ("benchy", "b.example", env["WORLD_B_DB"])):
        pw_file = os.path.join(work, user + ".pw")
        with open(pw_file, "w", encoding="utf-8") as f:
            os.fchmod(f.fileno(), 0o600)
            f.write(user + "-bench-password")
        add_user(args.certd, f"{user}@{domain}", db, pw_file)
    times = []
    try:
        x = Baresip("x", work, ip_a, "benchx", "a.example", "benchx-bench-password",
                    env["WORLD_A_PROXY"], args.tone)
        nodes.append(x)
        y = Baresip("y", work, ip_b, "benchy", "b.example", "benchy-bench-password",
                    env["WORLD_B_PROXY"], args.tone)
        nodes.append(y)
        for b in nodes:
            deadline = time.monotonic() + 15
            while True:
                before = len(b.responses)
                b.send("reginfo")
                pump_baresip(nodes, lambda b=b, before=before: len(b.responses) > before, 5,
                             "reginfo")
                if "OK" in b.responses[-1].get("data", ""):
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"baresip {b.name} did not register")
                time.sleep(0.1)
        for n in range(args.calls + 1):
            sx, sy = len(x.events), len(y.events)
            t0 = x.send("dial", "sip:benchy@b.example")
            pump_baresip(nodes, lambda: x.find("CALL_RTPESTAB", sx)[1] and
                         y.find("CALL_RTPESTAB", sy)[1], CALL_TIMEOUT, f"call {n} media")
            _, (tx, ex) = x.find("CALL_RTPESTAB", sx)
            _, (ty, _) = y.find("CALL_RTPESTAB", sy)
            _, menc = x.find("CALL_MENC", sx)
            if not menc:
                raise RuntimeError(f"baresip call {n}: no SRTP (CALL_MENC) event")
            if n > 0:  # the first call warms the same things as napkin's warm-up
                times.append((max(tx, ty) - t0) * 1000.0)
            time.sleep(0.3)
            x.send("hangup")
            pump_baresip(nodes, lambda: x.find("CALL_CLOSED", sx)[1] and
                         y.find("CALL_CLOSED", sy)[1], CALL_TIMEOUT, f"call {n} to close")
    finally:
        for b in nodes:
            b.stop()
    return times


def percentile(values, p):
    """Nearest-rank percentile."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, math.ceil(p / 100.0 * len(ordered)) - 1))
    return ordered[k]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--world", required=True)
    parser.add_argument("--cli", required=True)
    parser.add_argument("--certd", required=True)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--tone", default="")
    parser.add_argument("--napkin-silent", action="store_true",
                        help="napkin agents send silence instead of playing the tone file")
    parser.add_argument("--parts", default="napkin,baresip",
                        help="comma-separated: napkin, baresip, loop, nat")
    parser.add_argument("--nat-world", default="",
                        help="a NAT world (scripts/world up --nat) for the nat part")
    args = parser.parse_args()
    parts = args.parts.split(",")
    if "baresip" in parts and shutil.which("baresip") is None:
        say("baresip is missing (scripts/deps installs baresip-core)")
        return 1
    env = read_env(os.path.join(args.world, "world.env"))
    log_dir = os.path.join(args.world, "bench-logs")
    os.makedirs(log_dir, exist_ok=True)
    if not args.tone:
        args.tone = os.path.join(log_dir, "tone.wav")
        write_tone(args.tone)

    results = {}
    failures = []
    if "napkin" in parts:
        say(f"napkin, cache_ttl 0: {args.calls} calls")
        results["napkin_ttl0"] = napkin_round(args, args.world, log_dir, "ttl0", 0, 0,
                                              failures)
        say(f"napkin, cache_ttl 300: 1 warm-up call + {args.calls} calls by one caller process")
        results["napkin_warm"] = napkin_round(args, args.world, log_dir, "warm", 300, 1,
                                              failures, one_caller=True)
    details = []
    if "loop" in parts:
        say(f"napkin, loopback world, cache_ttl 0: {args.calls} calls")
        results["loop"] = napkin_round(args, args.world, log_dir, "loop", 0, 0, failures)
    if "nat" in parts:
        if not args.nat_world:
            say("the nat part needs --nat-world DIR")
            return 1
        nat_env = read_env(os.path.join(args.nat_world, "world.env"))
        nat_logs = os.path.join(args.nat_world, "bench-logs")
        os.makedirs(nat_logs, exist_ok=True)
        say(f"napkin, NAT world (alice home-a, bob home-b), cache_ttl 0: {args.calls} calls")
        results["nat"] = napkin_round(args, args.nat_world, nat_logs, "nat", 0, 0, failures,
                                      netns={"alice": nat_env["WORLD_NS_ALICE"],
                                             "bob": nat_env["WORLD_NS_BOB"]},
                                      details=details)
    if "baresip" in parts:
        say(f"baresip: 1 warm-up call + {args.calls} calls")
        results["baresip"] = baresip_round(args, env, log_dir)

    print(f"failed_calls={len(failures)}")
    for n, d in enumerate(details):
        def ms(key):
            return f"{d[key]:.0f}" if key in d else "?"
        print(f"nat.call={n} setup_ms={ms('setup_ms')} gather_ms={ms('gather_ms')} "
              f"check_ms={ms('check_ms')} alice={d['alice_pair']} bob={d['bob_pair']}")
    for name, values in results.items():
        if not values:
            print(f"{name}.calls=0")
            continue
        print(f"{name}.calls={len(values)}")
        print(f"{name}.p50_ms={statistics.median(values):.1f}")
        print(f"{name}.p90_ms={percentile(values, 90):.1f}")
        print(f"{name}.max_ms={max(values):.1f}")
        print(f"{name}.all_ms={','.join(f'{v:.1f}' for v in values)}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RuntimeError as error:
        say(str(error))
        sys.exit(1)
