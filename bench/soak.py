"""`make soak`, first half: kill -9 `radassist index --rebuild` at random moments and check the index survives.

    .venv/bin/python bench/soak.py                       10 kills while rebuilding corpus/ into a temp index
    .venv/bin/python bench/soak.py --kills 30 --seed 7   more rounds, reproducible kill moments
    .venv/bin/python bench/soak.py --cold 0.5            drop the embedding cache before half the rounds

Each round starts `radassist index --rebuild` and sends SIGKILL at a random moment: after a random
delay, at a random progress stage, when the new generation folder appears, when its manifest does
(just before the swap), or when CURRENT has moved (while old generations are pruned). After every
kill the index must still answer: CURRENT names a complete generation and `radassist search --json`
exits 0 with passages. The embedding cache carries over between rounds as it would for a user;
rounds that start without one put kills inside embedding too. At the end one run without a kill
must repair everything: it completes, leaves no incomplete generation, keeps every document, and
Chroma holds exactly the chunks.

Prints a table and writes bench/results/soak-<date>.json; exit code 1 when any check failed.
Everything runs in a temp folder: the developer's index/ is only read (its embedding cache is copied).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import closing
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

import radassist  # noqa: E402,F401  (offline environment before any heavy import)

from common import CORPUS, RESULTS, ROOT, MachineWatch, bench_env, bench_settings, log, machine_info  # noqa: E402

RADASSIST = [sys.executable, "-m", "radassist.cli"]
QUESTION = "Wat doet een procesregisseur in het casusoverleg?"
MODES = ("vertraging", "fase", "generatie", "manifest", "na-swap")
STAGES = ("lezen", "embedden", "opslaan")


@dataclass
class Round:
    number: int
    mode: str
    plan: str
    cached: int  # vectors in the embedding cache when the round started (0: everything is embedded)
    killed: bool = False
    at_s: float = 0.0
    last_progress: str = ""
    swapped: bool = False  # the kill came after CURRENT already named the new generation
    current_ok: bool = False
    search_ok: bool = False
    search_s: float = 0.0
    debris: int = 0  # generation folders without a manifest (of this or an earlier kill), for the next run
    problems: list[str] = field(default_factory=list)


class IndexProcess:
    """One `radassist index` child, its progress lines, and the generation folders it creates."""

    def __init__(self, corpus: Path, index_dir: Path, env: dict[str, str], rebuild: bool = True) -> None:
        from radassist.index import read_current

        self.index_dir = index_dir
        self.before = set(self.generations())
        self.current_before = read_current(index_dir)
        self.lines: list[str] = []
        self.started = time.monotonic()
        command = [*RADASSIST, "index", "--corpus", str(corpus), "--index", str(index_dir)]
        self.proc = subprocess.Popen(
            command + (["--rebuild"] if rebuild else []),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, cwd=index_dir.parent,
        )
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self) -> None:
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))

    def generations(self) -> list[Path]:
        folder = self.index_dir / "generations"
        return sorted(folder.iterdir()) if folder.is_dir() else []

    def new_generations(self) -> list[Path]:
        return [g for g in self.generations() if g not in self.before]

    def swapped(self) -> bool:
        from radassist.index import read_current

        return read_current(self.index_dir) not in (None, self.current_before)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def progress(self) -> str:
        found = [line for line in list(self.lines) if line.split(":")[0] in STAGES]
        return found[-1] if found else "(opstarten)"

    def wait(self, timeout: float = 1800) -> int:
        self.proc.wait(timeout)
        return self.proc.returncode

    def kill_when(self, trigger: Callable[["IndexProcess"], bool], timeout: float = 900) -> bool:
        """SIGKILL as soon as `trigger` holds; False when the run finished first."""
        while self.proc.poll() is None and self.elapsed < timeout:
            if trigger(self):
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
                return True
            time.sleep(0.005)
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError(f"index run hung for {timeout} s")
        return False


def plan_kill(rng: random.Random, reference_s: float) -> tuple[str, str, Callable[[IndexProcess], bool]]:
    """A random kill moment: (mode, description, trigger)."""
    mode = rng.choice(MODES)
    extra = round(rng.uniform(0.0, 0.4), 2)
    if mode == "vertraging":
        delay = round(rng.uniform(0.3, reference_s), 2)
        return mode, f"na {delay} s", lambda run: run.elapsed >= delay
    if mode == "fase":
        stage = rng.choice(STAGES)
        mark: dict[str, float] = {}

        def at_stage(run: IndexProcess) -> bool:
            if "t" not in mark and any(line.startswith(stage + ":") for line in list(run.lines)):
                mark["t"] = run.elapsed
            return "t" in mark and run.elapsed >= mark["t"] + extra

        return mode, f"{stage} +{extra} s", at_stage
    if mode == "generatie":
        mark = {}

        def at_generation(run: IndexProcess) -> bool:
            if "t" not in mark and run.new_generations():
                mark["t"] = run.elapsed
            return "t" in mark and run.elapsed >= mark["t"] + extra

        return mode, f"nieuwe generatie +{extra} s", at_generation
    if mode == "manifest":
        def at_manifest(run: IndexProcess) -> bool:
            return any((g / "manifest.json").exists() for g in run.new_generations())

        return mode, "manifest geschreven", at_manifest
    return mode, "CURRENT verplaatst", IndexProcess.swapped


def drop_embedding_cache(index_dir: Path) -> None:
    for path in (index_dir / "cache").glob("embeddings.sqlite*"):
        path.unlink()


def cached_vectors(index_dir: Path) -> int:
    path = index_dir / "cache" / "embeddings.sqlite"
    if not path.exists():
        return 0
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)) as db:
            return db.execute("SELECT count(*) FROM emb").fetchone()[0]
    except sqlite3.Error:
        return 0


def search_answers(index_dir: Path, env: dict[str, str]) -> tuple[bool, float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [*RADASSIST, "search", QUESTION, "--json", "--index", str(index_dir)],
        capture_output=True, text=True, env=env, cwd=index_dir.parent, timeout=300,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        return False, seconds, f"search exit {done.returncode}: {done.stderr.strip()[-300:]}"
    try:
        found = json.loads(done.stdout)["passages"]
    except (ValueError, KeyError):
        return False, seconds, "search printed no JSON"
    return bool(found), seconds, "" if found else "search found no passages"


def incomplete_generations(index_dir: Path) -> int:
    folder = index_dir / "generations"
    return sum(1 for g in folder.iterdir() if g.is_dir() and not (g / "manifest.json").is_file())


def check_after_kill(rnd: Round, index_dir: Path, env: dict[str, str], generation_before: str) -> None:
    from radassist.index import read_current

    current = read_current(index_dir)
    rnd.current_ok = current is not None
    rnd.swapped = current not in (None, generation_before)
    rnd.debris = incomplete_generations(index_dir)
    rnd.search_ok, rnd.search_s, problem = search_answers(index_dir, env)
    if not rnd.current_ok:
        rnd.problems.append("CURRENT names no complete generation")
    if problem:
        rnd.problems.append(problem)


def final_repair(corpus: Path, index_dir: Path, env: dict[str, str], doc_ids_before: set[str]) -> dict:
    """One run without a kill; then everything must be whole again."""
    from radassist.index import LoadedIndex, read_current

    started = time.perf_counter()
    done = subprocess.run(
        [*RADASSIST, "index", "--rebuild", "--json", "--corpus", str(corpus), "--index", str(index_dir)],
        capture_output=True, text=True, env=env, cwd=index_dir.parent, timeout=1800,
    )
    result = {"seconds": round(time.perf_counter() - started, 1), "exit_code": done.returncode, "problems": []}
    problems = result["problems"]
    if done.returncode != 0:
        problems.append(f"index exit {done.returncode}: {done.stderr.strip()[-300:]}")
        return result
    report = json.loads(done.stdout)
    if read_current(index_dir) != report["generation"]:
        problems.append("CURRENT does not name the generation the run reported")
    result["debris"] = incomplete_generations(index_dir)
    if result["debris"]:
        problems.append(f"{result['debris']} incomplete generation folder(s) left")
    if list(index_dir.glob("CURRENT.tmp*")):
        problems.append("CURRENT.tmp left behind")
    index = LoadedIndex.open(bench_settings(corpus, index_dir))
    ids = [c.id for c in index.chunks]
    result.update(chunks=len(ids), chroma=index.store.count() if index.store else 0, documents=report["documents"])
    if len(ids) != len(set(ids)):
        problems.append("duplicate chunk ids")
    if result["chroma"] != len(ids):
        problems.append(f"Chroma holds {result['chroma']} vectors for {len(ids)} chunks")
    lost = doc_ids_before - set(index.documents())
    if lost:
        problems.append(f"documents lost: {', '.join(sorted(lost))}")
    ok, result["search_s"], problem = search_answers(index_dir, env)
    if not ok:
        problems.append(problem)
    return result


def print_table(rounds: list[Round], final: dict) -> None:
    header = (f"{'#':>3}  {'moment':<28} {'cache':>5} {'gedood':>7}  {'voortgang':<18} {'na swap':<8} "
              f"{'zoeken':>8}  {'resten':>6}  ok")
    print(header)
    print("-" * len(header))
    for r in rounds:
        killed = f"{r.at_s:6.1f}s" if r.killed else "  klaar"
        search = f"{r.search_s:6.1f}s" if r.search_ok else "   FOUT"
        print(f"{r.number:>3}  {r.plan:<28} {r.cached:>5} {killed:>7}  {r.last_progress[:18]:<18} "
              f"{'ja' if r.swapped else 'nee':<8} {search:>8}  {r.debris:>6}  {'ja' if not r.problems else 'NEE'}")
        for problem in r.problems:
            print(f"       ! {problem}")
    status = "ja" if not final["problems"] else "NEE"
    print(f"\nHerstelrun: {final['seconds']} s, {final.get('documents', '?')} documenten, "
          f"{final.get('chunks', '?')} passages, Chroma {final.get('chroma', '?')}, resten {final.get('debris', '?')}; "
          f"ok: {status}")
    for problem in final["problems"]:
        print(f"  ! {problem}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=10, help="rounds, each ending in kill -9 (default 10)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: from the clock; it is recorded)")
    parser.add_argument("--cold", type=float, default=0.3,
                        help="share of rounds that first delete the embedding cache (default 0.3)")
    parser.add_argument("--corpus", default=str(CORPUS), help="corpus folder (default corpus/)")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder")
    parser.add_argument("--out", default=str(RESULTS), help="results folder")
    args = parser.parse_args(argv)

    seed = args.seed if args.seed is not None else int(time.time())
    rng = random.Random(seed)
    corpus = Path(args.corpus).resolve()
    work = Path(tempfile.mkdtemp(prefix="radassist-soak-"))
    index_dir = work / "index"
    env = bench_env(corpus, index_dir)
    watch = MachineWatch()
    try:
        developer_cache = ROOT / "index" / "cache" / "embeddings.sqlite"
        if developer_cache.is_file():
            (index_dir / "cache").mkdir(parents=True)
            shutil.copy(developer_cache, index_dir / "cache" / "embeddings.sqlite")
        log(f"first build of {corpus} into {index_dir}")
        first = IndexProcess(corpus, index_dir, env)
        if first.wait() != 0:
            raise RuntimeError(f"the first build failed: {' '.join(first.lines[-3:])}")
        log("timing one rebuild with a warm cache (the range of random delays)")
        timing = IndexProcess(corpus, index_dir, env)
        timing.wait()
        reference_s = round(timing.elapsed, 1)

        from radassist.index import LoadedIndex, read_current

        doc_ids_before = set(LoadedIndex.open(bench_settings(corpus, index_dir)).documents())
        rounds: list[Round] = []
        for number in range(1, args.kills + 1):
            if rng.random() < args.cold:
                drop_embedding_cache(index_dir)
            mode, plan, trigger = plan_kill(rng, reference_s)
            rnd = Round(number=number, mode=mode, plan=plan, cached=cached_vectors(index_dir))
            generation_before = read_current(index_dir)
            run = IndexProcess(corpus, index_dir, env)
            rnd.killed = run.kill_when(trigger)
            rnd.at_s = round(run.elapsed, 2)
            rnd.last_progress = run.progress()
            check_after_kill(rnd, index_dir, env, generation_before)
            rounds.append(rnd)
            log(f"round {number}: {plan}, {rnd.cached} vectors cached -> "
                f"{'killed at ' + str(rnd.at_s) + ' s' if rnd.killed else 'finished'}, "
                f"{rnd.last_progress}; {'ok' if not rnd.problems else '; '.join(rnd.problems)}")
        log("final run without a kill")
        final = final_repair(corpus, index_dir, env, doc_ids_before)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    print_table(rounds, final)
    ok = not final["problems"] and all(not r.problems for r in rounds)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.date.today().isoformat()
    result = {
        "created": dt.datetime.now().isoformat(timespec="seconds"),
        "date": stamp,
        "machine": machine_info(),
        "config": {"kills": args.kills, "seed": seed, "cold_share": args.cold, "corpus": str(corpus)},
        "reference_rebuild_s": reference_s,
        "rounds": [asdict(r) for r in rounds],
        "killed_after_swap": sum(r.swapped for r in rounds),
        "final": final,
        "ok": ok,
        "load": watch.finish(),
    }
    path = out_dir / f"soak-{stamp}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    log(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
