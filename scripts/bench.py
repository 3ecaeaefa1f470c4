#!/usr/bin/env python3
"""The speed benchmark: the provider beside Terraform's own floor.

    scripts/bench.py            # build release, N = 100 and 500, medians of 3 (slow: ~30 min)
    scripts/bench.py --quick    # N = 20, one round, reuses target/debug (what CI runs)

It starts the emulator (`terraform-provider-gpucloud emulator`) with no lifecycle delay and
drives the real `terraform` through dev_overrides, as the acceptance tests do. It prints one
table, every figure beside its target, and writes the same as JSON (`--json`, default
target/bench/bench.json). It measures:

1. exec -> handshake line of a provider start (median, p95) beside `/bin/true`;
2. RSS after GetProviderSchema (per member) and the peak during the N-resource apply;
3. apply, plan and destroy wall time of N of every instance-like type beside N
   `terraform_data`, and beside N `terraform_data` that hold as much as that type's objects
   (`triggers_replace` = one applied instance's attributes), as ratios, and the CPU time of terraform, the providers and the emulator
   (which, unlike wall time, does not depend on what else the machine runs);
4. API calls per resource per phase, from the emulator's ledger;
5. a rate-limited run: `icgpu_instance` with the emulator at 120 requests/minute: errors
   surfaced to Terraform and wall time beside the floor implied by calls / limit;
6. `terraform providers schema -json` time per member;
plus the binary's size. Nothing is asserted: figures that miss a target are marked, and
the exit status says only whether the benchmark itself ran.

Python 3 standard library only; needs cargo (unless --binary is given) and terraform >= 1.6.
"""

import argparse
import json
import math
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import types
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MEMBERS = ["icgpu", "amd", "rocm", "shadeform", "gpuai"]
MAGIC_COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"

# A self-signed ECDSA P-521 CA certificate like the one Terraform passes in PLUGIN_CLIENT_CERT
# (its key was thrown away: the provider only pins it, so a start runs the AutoMTLS path).
CLIENT_CERT = """-----BEGIN CERTIFICATE-----
MIICWjCCAbygAwIBAgIUM5Vfw4dcN+fVdA3di4/3b/LpaIcwCgYIKoZIzj0EAwIw
KDESMBAGA1UECgwJSGFzaGlDb3JwMRIwEAYDVQQDDAlsb2NhbGhvc3QwIBcNMjYx
MjA0MTgwMjE5WhgPMjEyNjExMTAxODAyMTlaMCgxEjAQBgNVBAoMCUhhc2hpQ29y
cDESMBAGA1UEAwwJbG9jYWxob3N0MIGbMBAGByqGSM49AgEGBSuBBAAjA4GGAAQA
K2SyCeEo3NTb8C8WnmxfuvXEXqFXBdmoybwjWhqD8OiotkTLzdGWOWHyLrmaXMZb
xcZKpwQNaxxsaaAKP6H8n1cBuQyMx2cPLxX5w3dh8h0vR9zslORDIruDcxFr5wgu
6vSSCieBmsWUtvudzEgf7p7gC8oh5gn/VI3kD/aoLmiP6ryjfzB9MB0GA1UdDgQW
BBQk39TNnSX7n+RtM5JCWQStEn8xljAfBgNVHSMEGDAWgBQk39TNnSX7n+RtM5JC
WQStEn8xljAPBgNVHRMBAf8EBTADAQH/MAsGA1UdDwQEAwICpDAdBgNVHSUEFjAU
BggrBgEFBQcDAgYIKwYBBQUHAwEwCgYIKoZIzj0EAwIDgYsAMIGHAkIB/VK0vRbu
yEYubnJHK6Dr8UR8PojrBTSHdsI9CzMdQxjcI/CPsVYPqtPeVmdJBmUaqRcXleYe
14UjofGvTRP6IHICQRd531ux7+GArg+3231sZZGLAHFP0uVB3w+vcY5MQ678DdAb
meHt+etvZ0sv4vYNK63NmRlZbhpz1k+yC04KAHyk
-----END CERTIFICATE-----
"""

# Credentials the emulator accepts and where each member's endpoint is mounted (as in
# tests/support/mod.rs).
TOKENS = {
    "ICGPU_TOKEN": "icgpu-test-token",
    "AMD_API_KEY": "amd-test-key",
    "ROCM_TOKEN": "rocm-test-token",
    "SHADEFORM_API_KEY": "shadeform-test-key",
    "GPUAI_TOKEN": "gpuai-test-token",
}
MOUNTS = {
    "ICGPU_ENDPOINT": "/icgpu",
    "AMD_ENDPOINT": "/amd/v1",
    "ROCM_ENDPOINT": "/rocm/v1",
    "SHADEFORM_ENDPOINT": "/shadeform/v1",
    "GPUAI_ENDPOINT": "/gpuai/gpu",
    "GPUAI_INVENTORY_ENDPOINT": "/gpuai/inventory",
}

# The instance-like types. `page` is the largest list page the API documents (None: the list
# is not paginated), which sets the refresh target ceil(N / page) + 1.
WORKLOADS = {
    "terraform_data": {
        "api": None,
        "body": 'input = "bench-${count.index}"',
    },
    "icgpu_instance": {
        "api": "icgpu",
        "page": 100,  # maxResults 1-100
        "provider": "provider \"icgpu\" {\n  requests_per_minute = 0\n}\n",
        "body": 'name = "bench-${count.index}"\n  tier = "mig"\n  storage_gb = 10',
    },
    "amd_instance": {
        "api": "amd",
        "page": 100,  # the emulator's cap; the spec gives no maximum
        "body": 'name = "bench-${count.index}"\n  gpu_type = "mi300x"\n  gpu_count = 1',
    },
    "shadeform_instance": {
        "api": "shadeform",
        "page": None,
        "body": (
            'name = "bench-${count.index}"\n  cloud = "tensordock"\n'
            '  region = "na-us-bos-1"\n  shade_instance_type = "A6000"'
        ),
    },
    "gpuai_airuntime": {
        "api": "gpuai",
        "page": 100,  # limit 1-100
        "body": (
            'name = "bench-${count.index}"\n  org_id = "org-abc123"\n'
            '  project_id = "prj-abc123"\n  region = "as-south-1"\n'
            '  plan_id = "gpu-h200-on-demand-1h"\n  template_id = "tpl-jupyterlab-pytorch"'
        ),
        # Enough H200s in the region for every runtime.
        "admin": lambda n: (
            "/_admin/gpuai/capacity",
            {
                "config_id": "gpu-h200-141g-16cpu-128g",
                "region": "as-south-1",
                "total_gpu_count": n + 8,
            },
        ),
    },
}

TARGETS = {
    "start_median_ms": 10.0,
    "idle_rss_mib": 15.0,
    "peak_rss_mib": 40.0,
    "ratio": 1.2,
    "calls_per_create": 2.0,
    "calls_per_delete": 2.0,
    "binary_mb": 15.0,
}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def percentile(values, p):
    s = sorted(values)
    if not s:
        return float("nan")
    k = (len(s) - 1) * p
    lo, hi = math.floor(k), math.ceil(k)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def mark(ok):
    return "ok" if ok else "MISS"


# ---------------------------------------------------------------------------------------------
# Processes: the emulator, terraform, RSS sampling
# ---------------------------------------------------------------------------------------------


class Emulator:
    """`terraform-provider-gpucloud emulator` on an ephemeral loopback port."""

    def __init__(self, binary, rate_limit_per_minute):
        self.proc = subprocess.Popen(
            [
                str(binary), "emulator", "--listen", "127.0.0.1:0", "--step-ms", "0",
                "--rate-limit-per-minute", str(rate_limit_per_minute),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        first = self.proc.stdout.readline()
        found = re.search(r"listening on (http://\S+)", first)
        if not found:
            self.stop()
            raise SystemExit(f"the emulator did not start: {first!r}")
        self.base_url = found.group(1)
        # Keep draining stdout so the emulator never blocks on a full pipe.
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()

    def ledger(self):
        with urllib.request.urlopen(f"{self.base_url}/_admin/ledger", timeout=30) as r:
            return json.load(r)

    def post(self, path, body):
        req = urllib.request.Request(
            f"{self.base_url}{path}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=30) as r:
            r.read()

    def env(self):
        e = {k: self.base_url + m for k, m in MOUNTS.items()}
        e.update(TOKENS)
        return e

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def status_kib(pid, field):
    """`VmRSS` / `VmHWM` of a process in KiB, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def children_running(parent, binary):
    """Direct children of `parent` whose executable is `binary` (Terraform's providers)."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == parent and os.path.realpath(f"/proc/{entry}/exe") == binary:
                out.append(int(entry))
        except (OSError, ValueError, IndexError):
            continue
    return out


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """User + system CPU seconds of a running process, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK
    except (OSError, ValueError, IndexError):
        return None


class ProviderSampler:
    """Samples every provider process Terraform starts: its peak RSS (VmHWM) and CPU time."""

    def __init__(self, parent, binary, interval=0.02):
        self.parent, self.binary, self.interval = parent, binary, interval
        self.peaks, self.cpu = {}, {}
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.done.is_set():
            for pid in children_running(self.parent, self.binary):
                hwm = status_kib(pid, "VmHWM")
                if hwm is not None:
                    self.peaks[pid] = max(self.peaks.get(pid, 0), hwm)
                cpu = cpu_seconds(pid)
                if cpu is not None:
                    self.cpu[pid] = cpu
            self.done.wait(self.interval)

    def stop(self):
        self.done.set()
        self.thread.join()


class Terraform:
    """Working directories whose CLI config points every member at the binary under test."""

    def __init__(self, binary, work, emulator_env):
        self.binary = str(binary)
        self.plugins = work / "plugins"
        self.plugins.mkdir(parents=True, exist_ok=True)
        overrides = ""
        for m in MEMBERS:
            link = self.plugins / f"terraform-provider-{m}"
            if link.is_symlink() or link.exists():
                link.unlink()
            link.symlink_to(self.binary)
            overrides += f'    "registry.terraform.io/gpucloud/{m}" = "{self.plugins}"\n'
        rc = work / "terraformrc"
        rc.write_text(
            f"provider_installation {{\n  dev_overrides {{\n{overrides}  }}\n  direct {{}}\n}}\n"
        )
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith(("TF_LOG", "TF_REATTACH"))
        }
        self.env.update(emulator_env)
        self.env.update(
            TF_CLI_CONFIG_FILE=str(rc), TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1"
        )

    def workdir(self, path, members, body):
        path.mkdir(parents=True, exist_ok=True)
        for stale in ("terraform.tfstate", "terraform.tfstate.backup"):
            (path / stale).unlink(missing_ok=True)
        req = "".join(f'    {m} = {{ source = "gpucloud/{m}" }}\n' for m in members)
        (path / "main.tf").write_text(
            f"terraform {{\n  required_providers {{\n{req}  }}\n}}\n\n{body}"
        )
        return path

    def run(self, cwd, args, extra_env=None):
        """Runs terraform: exit code, wall and CPU seconds, output, the providers it started."""
        env = dict(self.env, **(extra_env or {}))
        start = time.perf_counter()
        proc = subprocess.Popen(
            ["terraform", *args], cwd=cwd, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        sampler = ProviderSampler(proc.pid, os.path.realpath(self.binary))
        output = proc.stdout.read()
        # wait4 rather than wait: its rusage covers terraform and the providers it reaped.
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        proc.stdout.close()
        elapsed = time.perf_counter() - start
        sampler.stop()
        return types.SimpleNamespace(
            exit=proc.returncode,
            wall_s=elapsed,
            output=output,
            cpu_s=usage.ru_utime + usage.ru_stime,
            provider_cpu_s=sum(sampler.cpu.values()),
            peak_rss_kib=max(sampler.peaks.values(), default=0),
            provider_starts=len(sampler.peaks),
        )


# ---------------------------------------------------------------------------------------------
# Measurements
# ---------------------------------------------------------------------------------------------


def measure_starts(binary, work, count):
    """Exec -> handshake line, as Terraform starts a provider, beside exec -> exit of /bin/true."""
    sock = work / "sockets"
    sock.mkdir(exist_ok=True)
    link = work / "plugins" / "terraform-provider-icgpu"
    env = dict(
        os.environ,
        TF_PLUGIN_MAGIC_COOKIE=MAGIC_COOKIE,
        PLUGIN_PROTOCOL_VERSIONS="6",
        PLUGIN_CLIENT_CERT=CLIENT_CERT,
        PLUGIN_UNIX_SOCKET_DIR=str(sock),
    )
    env.pop("TF_LOG", None)
    env.pop("TF_LOG_PROVIDER", None)
    starts, cpu, trues = [], [], []
    for _ in range(count):
        t0 = time.perf_counter()
        p = subprocess.Popen([str(link)], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
        line = p.stdout.readline()
        starts.append((time.perf_counter() - t0) * 1000)
        p.kill()
        # CPU time does not depend on how busy the machine is; after the handshake line the
        # provider only waits, so its total is the start's.
        _, _, usage = os.wait4(p.pid, 0)
        p.returncode = -signal.SIGKILL
        cpu.append((usage.ru_utime + usage.ru_stime) * 1000)
        p.stdout.close()
        if not line.startswith(b"1|6|unix|"):
            raise SystemExit(f"the provider printed no handshake line: {line!r}")
        t0 = time.perf_counter()
        subprocess.run(["/bin/true"], check=True)
        trues.append((time.perf_counter() - t0) * 1000)
    return {
        "count": count,
        "median_ms": statistics.median(starts),
        "p95_ms": percentile(starts, 0.95),
        "cpu_median_ms": statistics.median(cpu),
        "bin_true_median_ms": statistics.median(trues),
        "bin_true_p95_ms": percentile(trues, 0.95),
    }


def measure_idle_rss(tf, work, member):
    """RSS of a provider that has answered GetProviderSchema and waits for the next call.

    The provider runs in --debug mode (no AutoMTLS) and Terraform attaches to it through
    TF_REATTACH_PROVIDERS, so the process outlives the terraform command and can be read.
    """
    proc = subprocess.Popen(
        [tf.binary, "--provider", member, "--debug"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=tf.env,
    )
    try:
        reattach = None
        for line in proc.stdout:
            found = re.search(r"TF_REATTACH_PROVIDERS='(.*)'", line)
            if found:
                reattach = found.group(1)
                break
        if reattach is None:
            raise SystemExit(f"{member}: --debug printed no TF_REATTACH_PROVIDERS line")
        cwd = tf.workdir(work / f"idle-{member}", [member], "")
        r = tf.run(cwd, ["providers", "schema", "-json"], {"TF_REATTACH_PROVIDERS": reattach})
        if r.exit != 0:
            raise SystemExit(f"{member}: terraform providers schema failed:\n{r.output}")
        return status_kib(proc.pid, "VmRSS") / 1024
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def measure_schema_time(tf, work, member, rounds):
    cwd = tf.workdir(work / f"schema-{member}", [member], "")
    times = []
    for _ in range(rounds):
        r = tf.run(cwd, ["providers", "schema", "-json"])
        if r.exit != 0:
            raise SystemExit(f"{member}: terraform providers schema failed:\n{r.output}")
        times.append(r.wall_s)
    return statistics.median(times)


def counts_of(ledger, api):
    if not api:
        return {}
    return {k: v for k, v in ledger["requests"].items() if k.startswith(api + ".")}


def diff(after, before):
    d = {k: v - before.get(k, 0) for k, v in after.items()}
    return {k: v for k, v in d.items() if v}


def live_of(emu, api):
    return [o for o in emu.ledger()["live"] if o["api"] == api]


def same_state_floor(type_name, sample):
    """The workload of Terraform's floor for objects like `type_name`'s: N `terraform_data`
    whose `triggers_replace` is one applied instance's attributes (its name made unique), so
    Terraform plans, diffs and stores as much per resource with no provider at all.
    `triggers_replace` rather than `input`, which Terraform would store twice (as `output`)."""
    return {
        "api": None,
        "files": {"sample.json": json.dumps(sample)},
        "body": (
            'triggers_replace = merge(local.sample, { name = "bench-${count.index}" })'
        ),
        "prelude": 'locals {\n  sample = jsondecode(file("${path.module}/sample.json"))\n}\n\n',
        "label": f"terraform_data like {type_name}",
    }


def run_workload(tf, emu, work, type_name, n, spec=None):
    """apply, plan (expected empty) and destroy of N `type_name` (or of the workload `spec`):
    wall and CPU time, API calls per phase, the providers' peak RSS, and one applied
    instance's attributes."""
    spec = spec or WORKLOADS[type_name]
    label = spec.get("label", type_name)
    api = spec["api"]
    members = [api] if api else []
    resource = "terraform_data" if "label" in spec else type_name
    body = spec.get("provider", "") + spec.get("prelude", "") + (
        f'resource "{resource}" "r" {{\n  count = {n}\n  {spec["body"]}\n}}\n'
    )
    cwd = tf.workdir(work / f"{label.replace(' ', '-')}-{n}", members, body)
    for name, text in spec.get("files", {}).items():
        (cwd / name).write_text(text)
    if "admin" in spec:
        emu.post(*spec["admin"](n))
    result = {"calls": {}, "ops": {}, "cpu_s": {}}
    phases = [
        ("apply", ["apply", "-auto-approve", "-input=false", "-no-color"]),
        ("plan", ["plan", "-detailed-exitcode", "-input=false", "-no-color"]),
        ("destroy", ["destroy", "-auto-approve", "-input=false", "-no-color"]),
    ]
    cpu = {"terraform": 0.0, "provider": 0.0, "emulator": 0.0}
    peak = 0
    for phase, args in phases:
        before = counts_of(emu.ledger(), api)
        emu_cpu = cpu_seconds(emu.proc.pid) or 0.0
        r = tf.run(cwd, args)
        if r.exit != 0:
            raise SystemExit(
                f"{label} N={n}: terraform {phase} exited {r.exit}:\n{r.output[-4000:]}"
            )
        ops = diff(counts_of(emu.ledger(), api), before)
        result[phase + "_s"] = r.wall_s
        result["ops"][phase] = ops
        result["calls"][phase] = sum(ops.values())
        phase_cpu = {
            "terraform": r.cpu_s - r.provider_cpu_s,
            "provider": r.provider_cpu_s,
            "emulator": (cpu_seconds(emu.proc.pid) or 0.0) - emu_cpu,
        }
        result["cpu_s"][phase] = phase_cpu
        for k, v in phase_cpu.items():
            cpu[k] += v
        if phase == "apply":
            peak = r.peak_rss_kib
            result["provider_processes_sampled_apply"] = r.provider_starts
            # What Terraform plans, diffs and stores for each resource: its cost follows this.
            state_file = cwd / "terraform.tfstate"
            result["state_bytes_per_resource"] = state_file.stat().st_size / n
            instances = json.loads(state_file.read_text())["resources"][0]["instances"]
            result["sample_attributes"] = instances[0]["attributes"]
    if api and live_of(emu, api):
        raise SystemExit(f"{label} N={n}: objects left after destroy: {live_of(emu, api)}")
    result["cpu_s"]["total"] = cpu
    result["total_s"] = result["apply_s"] + result["plan_s"] + result["destroy_s"]
    if api:
        ops = result["ops"]
        result["peak_rss_mib"] = peak / 1024
        result["per_create"], result["shared_create"] = per_resource(ops["apply"], n)
        # Destroy refreshes first, as plan does: what is left is the deletes.
        deletes = diff(ops["destroy"], ops["plan"])
        result["per_delete"], result["shared_delete"] = per_resource(deletes, n)
        page = spec["page"]
        result["refresh_target"] = (math.ceil(n / page) if page else 1) + 1
    return result


def per_resource(ops, n):
    """(calls per resource, calls shared by the run): an operation called fewer than N times
    was not made once per resource (e.g. a catalogue listed once for every create)."""
    own = sum(v for v in ops.values() if v >= n)
    return own / n, sum(v for v in ops.values() if v < n)


def median_of(runs):
    """Per-key median of the timings over rounds; counts from the last round."""
    out = dict(runs[-1])
    for key in ("apply_s", "plan_s", "destroy_s", "total_s", "peak_rss_mib"):
        values = [r[key] for r in runs if key in r]
        if values:
            out[key] = statistics.median(values)
    out["cpu_s"] = {
        phase: {k: statistics.median(r["cpu_s"][phase][k] for r in runs) for k in by}
        for phase, by in runs[-1]["cpu_s"].items()
    }
    out["rounds"] = len(runs)
    return out


THROTTLE_RE = re.compile(r"429|[Tt]hrottl|[Rr]ate limit", re.M)


def measure_rate_limited(binary, work, n, limit):
    """N icgpu_instance against an emulator that allows `limit` requests a minute, with the
    provider's default client-side limit (the API's documented 120/min)."""
    emu = Emulator(binary, limit)
    try:
        tf = Terraform(binary, work / "ratelimited", emu.env())
        body = (
            f'resource "icgpu_instance" "r" {{\n  count = {n}\n  '
            f'{WORKLOADS["icgpu_instance"]["body"]}\n}}\n'
        )
        cwd = tf.workdir(work / "ratelimited" / "run", ["icgpu"], body)
        result = {"n": n, "limit_per_minute": limit}
        for phase, args in [
            ("apply", ["apply", "-auto-approve", "-input=false", "-no-color"]),
            ("destroy", ["destroy", "-auto-approve", "-input=false", "-no-color"]),
        ]:
            before = counts_of(emu.ledger(), "icgpu")
            r = tf.run(cwd, args)
            ops = diff(counts_of(emu.ledger(), "icgpu"), before)
            throttled = ops.pop("icgpu.throttled", 0)
            calls = sum(ops.values())
            result[phase] = {
                "exit": r.exit,
                "wall_s": r.wall_s,
                "calls": calls,
                "ops": ops,
                "throttled_by_api": throttled,
                "errors_surfaced": len(THROTTLE_RE.findall(r.output)) if r.exit != 0 else 0,
                "floor_s": calls / limit * 60,
            }
            if r.exit != 0:
                log(f"rate-limited {phase} failed:\n{r.output[-4000:]}")
        result["left_live"] = len(live_of(emu, "icgpu"))
        return result
    finally:
        emu.stop()


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------


def machine():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    tf_version = subprocess.run(
        ["terraform", "version", "-json"], capture_output=True, text=True
    ).stdout
    try:
        tf_version = json.loads(tf_version)["terraform_version"]
    except (ValueError, KeyError):
        tf_version = "unknown"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load_average": os.getloadavg()[0],
        "kernel": platform.release(),
        "terraform": tf_version,
    }


def table(rows):
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for j, r in enumerate(rows):
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def report(res):
    t = TARGETS
    out = []
    release = res["build"] == "release"

    def judge(ok):
        # Size and memory targets are for what users download.
        return mark(ok) if release else "(debug build)"

    m = res["machine"]
    out.append(
        f"gpucloud-terraform benchmark ({res['mode']}, {res['build']} binary, "
        f"{m['cores']} cores, {m['cpu']}, load {m['load_average']:.1f} at start and "
        f"{m['load_average_end']:.1f} at the end, terraform {m['terraform']})"
    )
    s = res["start"]
    rows = [["measure", "value", "target", ""]]
    rows.append([
        f"exec -> handshake, median of {s['count']}", f"{s['median_ms']:.1f} ms",
        f"<= {t['start_median_ms']:.0f} ms", mark(s["median_ms"] <= t["start_median_ms"]),
    ])
    rows.append(["exec -> handshake, p95", f"{s['p95_ms']:.1f} ms", "", ""])
    rows.append(["CPU time of a start (user + sys), median", f"{s['cpu_median_ms']:.1f} ms",
                 "", ""])
    rows.append([
        "/bin/true exec -> exit, median / p95",
        f"{s['bin_true_median_ms']:.1f} / {s['bin_true_p95_ms']:.1f} ms", "", "",
    ])
    for member, mib in res["idle_rss_mib"].items():
        rows.append([
            f"RSS after GetProviderSchema, {member}", f"{mib:.1f} MiB",
            f"<= {t['idle_rss_mib']:.0f} MiB", judge(mib <= t["idle_rss_mib"]),
        ])
    mb = res["binary_bytes"] / 1e6
    rows.append([
        f"binary size ({res['build']})", f"{mb:.1f} MB", f"<= {t['binary_mb']:.0f} MB",
        judge(mb <= t["binary_mb"]),
    ])
    for member, secs in res["schema_s"].items():
        rows.append([f"terraform providers schema -json, {member}", f"{secs:.2f} s", "", ""])
    out.append(table(rows))

    for n, runs in res["workloads"].items():
        floor = runs["terraform_data"]["total_s"]
        floor_cpu = sum(runs["terraform_data"]["cpu_s"]["total"].values())
        rows = [[
            f"N = {n}", "apply s", "plan s", "destroy s", "total s", "vs data",
            "vs like data", "CPU s tf/prov/emu", "CPU vs data", "state B/res", "calls/create",
            "calls/delete", "refresh calls", "peak RSS", "",
        ]]
        for name, r in runs.items():
            ratio = r["total_s"] / floor if floor else float("nan")
            like = runs.get(f"terraform_data like {name}")
            like_ratio = f"{r['total_s'] / like['total_s']:.2f}x" if like else ""
            c = r["cpu_s"]["total"]
            cpu_ratio = sum(c.values()) / floor_cpu if floor_cpu else float("nan")
            times = [
                name, f"{r['apply_s']:.2f}", f"{r['plan_s']:.2f}", f"{r['destroy_s']:.2f}",
                f"{r['total_s']:.2f}", f"{ratio:.2f}x", like_ratio,
                f"{c['terraform']:.1f}/{c['provider']:.1f}/{c['emulator']:.1f}",
                f"{cpu_ratio:.2f}x", f"{r['state_bytes_per_resource']:.0f}",
            ]
            if name.startswith("terraform_data"):
                rows.append(times + ["", "", "", "", ""])
                continue
            misses = []
            if ratio > t["ratio"]:
                misses.append("time")
            if r["per_create"] > t["calls_per_create"]:
                misses.append("create")
            if r["per_delete"] > t["calls_per_delete"]:
                misses.append("delete")
            if r["calls"]["plan"] > r["refresh_target"]:
                misses.append("refresh")
            if r["peak_rss_mib"] > t["peak_rss_mib"] and release:
                misses.append("rss")
            shared = lambda k: f" +{r[k]}" if r[k] else ""
            rows.append(times + [
                f"{r['per_create']:.2f}{shared('shared_create')}",
                f"{r['per_delete']:.2f}{shared('shared_delete')}",
                f"{r['calls']['plan']} (<= {r['refresh_target']})",
                f"{r['peak_rss_mib']:.1f} MiB",
                "MISS " + ",".join(misses) if misses else "ok",
            ])
        out.append(table(rows))
        out.append(
            f"targets: total <= {t['ratio']}x terraform_data, <= {t['calls_per_create']:.0f} "
            f"calls per create and per delete, refresh <= ceil(N / page) + 1, peak RSS <= "
            f"{t['peak_rss_mib']:.0f} MiB (release). +k: calls shared by the run, not made per "
            f"resource. CPU: terraform (its providers taken out), the providers, the emulator, "
            f"seconds over the three phases; unlike wall time it does not depend on what else "
            f"the machine runs. state B/res: terraform.tfstate after apply, per resource. "
            f"terraform_data like T: Terraform's floor for T's objects, N terraform_data whose "
            f"triggers_replace holds one applied T's attributes; vs like data: T beside it"
        )

    rl = res.get("rate_limited")
    if rl:
        rows = [[
            f"{rl['n']} icgpu_instance at {rl['limit_per_minute']}/min", "exit", "wall s",
            "calls", "floor s (calls / limit)", "429s answered", "throttling errors in Terraform",
            "",
        ]]
        for phase in ("apply", "destroy"):
            p = rl[phase]
            rows.append([
                phase, p["exit"], f"{p['wall_s']:.1f}", p["calls"], f"{p['floor_s']:.1f}",
                p["throttled_by_api"], p["errors_surfaced"],
                mark(p["exit"] == 0 and p["errors_surfaced"] == 0),
            ])
        out.append(table(rows))
    return "\n\n".join(out)


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


def build_release():
    log("==> cargo build --release --bin terraform-provider-gpucloud")
    subprocess.run(
        ["cargo", "build", "--release", "--bin", "terraform-provider-gpucloud"],
        cwd=REPO, check=True,
    )
    return REPO / "target" / "release" / "terraform-provider-gpucloud"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true",
                   help="N = 20, one round, target/debug binary: proves the benchmark works")
    p.add_argument("--binary", type=Path,
                   help="provider binary to measure (default: build release; --quick: "
                        "target/debug/terraform-provider-gpucloud)")
    p.add_argument("--sizes", help="comma-separated N (default 100,500; --quick 20)")
    p.add_argument("--rounds", type=int, help="rounds per workload, median taken (default 3)")
    p.add_argument("--starts", type=int, help="provider starts timed (default 50; --quick 20)")
    p.add_argument("--types", help="comma-separated resource types (default: all)")
    p.add_argument("--rate-limited-n", type=int,
                   help="icgpu_instance count of the rate-limited run (default 300; "
                        "--quick 20; 0 skips it)")
    p.add_argument("--json", type=Path, default=REPO / "target" / "bench" / "bench.json",
                   help="where the JSON goes (default target/bench/bench.json)")
    args = p.parse_args()

    quick = args.quick
    sizes = [int(x) for x in (args.sizes or ("20" if quick else "100,500")).split(",")]
    rounds = args.rounds or (1 if quick else 3)
    starts = args.starts or (20 if quick else 50)
    rl_n = args.rate_limited_n if args.rate_limited_n is not None else (20 if quick else 300)
    types = args.types.split(",") if args.types else list(WORKLOADS)
    if "terraform_data" not in types:
        types.insert(0, "terraform_data")
    unknown = [x for x in types if x not in WORKLOADS]
    if unknown:
        raise SystemExit(f"unknown types: {unknown}; known: {list(WORKLOADS)}")

    if args.binary:
        binary = args.binary.resolve()
    elif quick:
        binary = REPO / "target" / "debug" / "terraform-provider-gpucloud"
    else:
        binary = build_release()
    if not binary.is_file():
        raise SystemExit(f"{binary} does not exist (build it, or pass --binary)")
    build = "debug" if "debug" in binary.parts else "release"

    res = {
        "mode": "quick" if quick else "full",
        "build": build,
        "binary": str(binary),
        "binary_bytes": binary.stat().st_size,
        "machine": machine(),
        "targets": TARGETS,
        "sizes": sizes,
        "rounds": rounds,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gpucloud-bench-") as tmp:
        work = Path(tmp)
        # No lifecycle delay and no API rate limit: what is left is the provider and Terraform.
        emu = Emulator(binary, 1_000_000)
        try:
            tf = Terraform(binary, work, emu.env())
            log(f"==> {starts} provider starts")
            res["start"] = measure_starts(binary, work, starts)
            log("==> RSS after GetProviderSchema; terraform providers schema -json")
            res["idle_rss_mib"] = {m: measure_idle_rss(tf, work, m) for m in MEMBERS}
            res["schema_s"] = {
                m: measure_schema_time(tf, work, m, 3 if quick else 5) for m in MEMBERS
            }
            res["workloads"] = {}
            for n in sizes:
                per_type = {}
                for name in types:
                    log(f"==> N = {n}: {name} ({rounds} round(s))")
                    per_type[name] = median_of(
                        [run_workload(tf, emu, work, name, n) for _ in range(rounds)]
                    )
                    if name == "terraform_data":
                        continue
                    floor = same_state_floor(name, per_type[name]["sample_attributes"])
                    log(f"==> N = {n}: {floor['label']} ({rounds} round(s))")
                    per_type[floor["label"]] = median_of(
                        [run_workload(tf, emu, work, name, n, floor) for _ in range(rounds)]
                    )
                res["workloads"][n] = per_type
        finally:
            emu.stop()
        if rl_n > 0:
            log(f"==> rate-limited run: {rl_n} icgpu_instance at 120 requests/minute")
            res["rate_limited"] = measure_rate_limited(binary, work, rl_n, 120)

    res["machine"]["load_average_end"] = os.getloadavg()[0]
    text = report(res)
    print(text)
    args.json.write_text(json.dumps(res, indent=2, default=str) + "\n")
    log(f"\nJSON: {args.json}")
    rl = res.get("rate_limited")
    if rl and any(rl[p]["exit"] != 0 for p in ("apply", "destroy")):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
