"""Scale-out: one Chroma server, one shared index folder, several app processes.

The tests start their own Chroma server (`chroma run`, shipped with the chromadb package in the venv)
on a free loopback port. Replicas are real processes: this file run as a script is an engine replica
that answers JSON commands on stdin, and the web app runs as `streamlit run app.py`, asked questions
through `StreamlitClient`, which speaks the app's websocket protocol the way a browser does.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, make_settings, write
from servers import StreamlitClient, free_port, start_app, stop, wait_for

CHROMA = Path(sys.executable).parent / "chroma"
NEW_DOC = """---
id: buurtbemiddeling
title: Notitie over buurtbemiddeling
type: factsheet
themes: [samenwerking]
region: Twente
date: 2025-01-10
confidentiality: openbaar
---
# Notitie over buurtbemiddeling

Buurtbemiddeling helpt buren een conflict zelf op te lossen met twee getrainde vrijwilligers.
Het ZVH verwijst soms naar buurtbemiddeling wanneer spanningen in een wijk oplopen.
"""
NEW_QUESTION = "Wat doet buurtbemiddeling bij een conflict tussen buren?"

pytestmark = pytest.mark.skipif(not CHROMA.exists(), reason=f"Chroma server binary missing: {CHROMA}")


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    """A Chroma server of our own, on a free loopback port, for the tests of this module."""
    folder = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    with (folder / "server.log").open("w") as log:
        proc = subprocess.Popen(
            [str(CHROMA), "run", "--path", str(folder / "data"), "--host", "127.0.0.1", "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{url}/api/v2/heartbeat", proc)
        yield url
    finally:
        stop(proc)


def server_collections(url: str) -> set[str]:
    from radassist.store import chroma_client

    return {c.name for c in chroma_client(url, Path(".")).list_collections()}


def generations(settings) -> set[str]:
    return {f.name for f in (settings.index_dir / "generations").iterdir() if f.is_dir()}


def env_for(settings) -> dict[str, str]:
    """The environment of a replica: the same index folder and Chroma server as `settings`."""
    return {
        **os.environ,
        "RADASSIST_INDEX_DIR": str(settings.index_dir),
        "RADASSIST_CORPUS_DIR": str(settings.corpus_dir),
        "RADASSIST_DATA_DIR": str(settings.var_dir),
        "RADASSIST_CHROMA_URL": settings.chroma_url,
    }


# ----------------------------------------------------------------------------- server mode

def test_server_mode_indexes_and_answers_like_embedded_mode(mini_corpus, tmp_path, chroma_url):
    from radassist.engine import AskContext, Engine
    from radassist.index import build_index

    served = make_settings(mini_corpus, tmp_path / "served" / "index", chroma_url=chroma_url)
    embedded = make_settings(mini_corpus, tmp_path / "embedded" / "index")
    report = build_index(served)
    (embedded.index_dir / "cache").mkdir(parents=True)
    shutil.copy(served.index_dir / "cache" / "embeddings.sqlite", embedded.index_dir / "cache")  # same vectors
    build_index(embedded)

    gen_dir = served.index_dir / "generations" / report.generation
    assert not (gen_dir / "chroma").exists(), "server mode keeps no Chroma data in the index folder"
    assert f"radassist-{report.generation}" in server_collections(chroma_url)

    on_server, local = Engine(served), Engine(embedded)
    assert on_server.index.store.count() == report.chunks
    for question in ("Wie zitten er in de weegploeg?", "Wat is een casussimulatie?"):
        remote = on_server.search(question, k=4)
        here = local.search(question, k=4)
        assert [p.to_json().keys() for p in remote.passages] == [p.to_json().keys() for p in here.passages]
        assert [p.chunk.id for p in remote.passages] == [p.chunk.id for p in here.passages]
        assert remote.dense.keys() == here.dense.keys()
        assert all(abs(remote.dense[k] - here.dense[k]) < 1e-4 for k in here.dense)

    ctx = AskContext(audit=False)
    remote, here = on_server.ask("Wie zitten er in de weegploeg?", ctx), local.ask("Wie zitten er in de weegploeg?", ctx)
    assert remote.to_json() | {"timings_ms": None} == here.to_json() | {"timings_ms": None}
    assert not remote.refused and remote.citations[0].passage.chunk.doc_id == "md-weegploeg"


def test_reindex_drops_old_collections_and_debris_on_the_server(mini_corpus, tmp_path, chroma_url):
    from radassist.index import KEEP_OLD_GENERATIONS, build_index
    from radassist.store import chroma_client

    settings = make_settings(mini_corpus, tmp_path / "index", chroma_url=chroma_url)
    made = [build_index(settings).generation]
    debris = settings.index_dir / "generations" / "g20000101T000000000000-1"  # a build killed half-way
    debris.mkdir()
    chroma_client(chroma_url, debris).create_collection(f"radassist-{debris.name}")

    for n in range(3):
        write(mini_corpus / "signalen.txt", f"Signalen\n\nVersie {n} van een tekst over signalen en duiding.")
        made.append(build_index(settings).generation)

    kept = generations(settings)
    assert debris.name not in kept and len(kept) == KEEP_OLD_GENERATIONS
    assert kept == set(made[-KEEP_OLD_GENERATIONS:])
    ours = {name for name in server_collections(chroma_url) if name.removeprefix("radassist-") in {*made, debris.name}}
    assert ours == {f"radassist-{g}" for g in kept}


def test_a_reader_with_other_chroma_settings_gets_a_clear_error(mini_corpus, tmp_path, chroma_url):
    from radassist.engine import Engine
    from radassist.index import build_index
    from radassist.types import ConfigError

    served = make_settings(mini_corpus, tmp_path / "index", chroma_url=chroma_url)
    build_index(served)
    with pytest.raises(ConfigError, match="RADASSIST_CHROMA_URL"):
        Engine(make_settings(mini_corpus, tmp_path / "index")).search("weegploeg")


# ----------------------------------------------------------------------------- replicas

class Replica:
    """This file run as an engine replica in its own process, driven over stdin/stdout."""

    def __init__(self, settings) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "replica"], cwd=ROOT, env=env_for(settings), text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )

    def send(self, **command) -> dict:
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()
        return self.receive()

    def receive(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"replica stopped with exit code {self.proc.wait()}")
        return json.loads(line)

    def close(self) -> None:
        self.proc.stdin.close()
        stop(self.proc)


@pytest.fixture()
def served_index(mini_corpus, tmp_path, chroma_url):
    from radassist.index import build_index

    settings = make_settings(mini_corpus, tmp_path / "shared" / "index", chroma_url=chroma_url)
    build_index(settings)
    return settings


def test_a_replica_follows_reindexes_without_restart_and_never_sees_half_an_index(served_index):
    from radassist.index import build_index, read_current

    replica = Replica(served_index)
    stop_file = served_index.index_dir.parent / "stop-watching"
    try:
        before = replica.send(search=NEW_QUESTION)
        assert before["generation"] == read_current(served_index.index_dir)
        assert "buurtbemiddeling" not in before["doc_ids"]

        write(served_index.corpus_dir / "buurtbemiddeling.md", NEW_DOC)
        report = build_index(served_index)
        after = replica.send(search=NEW_QUESTION)
        assert after["pid"] == before["pid"]  # the same process, not restarted
        assert after["generation"] == report.generation != before["generation"]
        assert after["doc_ids"][0] == "buurtbemiddeling"

        # The replica searches in a loop while the index is rebuilt twice more; it reports each
        # generation it opens, and the next rebuild starts only once it has.
        assert replica.send(watch=str(stop_file), question=NEW_QUESTION) == {"generation": report.generation}
        built = []
        for n in range(2):
            write(served_index.corpus_dir / "signalen.txt", f"Signalen\n\nVersie {n}: signalen zien en duiden.")
            built.append(build_index(served_index).generation)
            assert replica.receive() == {"generation": built[-1]}
        stop_file.touch()
        seen = replica.receive()
    finally:
        replica.close()
    assert seen["problems"] == []  # every generation it opened was complete: store, chunks and BM25 agree
    assert seen["generations"] == [report.generation, *built]


def test_two_streamlit_replicas_answer_from_one_index_and_chroma_server(served_index):
    from concurrent.futures import ThreadPoolExecutor

    from radassist.index import build_index

    ports = [free_port(), free_port()]
    folder = served_index.index_dir.parent
    apps = [start_app(port, env_for(served_index), folder / f"streamlit-{port}.log") for port in ports]
    try:
        with contextlib.ExitStack() as stack:
            for port, app in zip(ports, apps):
                wait_for(f"http://127.0.0.1:{port}/_stcore/health", app, expect=b"ok", timeout=90)
            sessions = [stack.enter_context(StreamlitClient(port)) for port in ports]
            with ThreadPoolExecutor(len(sessions)) as pool:  # each replica loads its engine: side by side
                list(pool.map(StreamlitClient.run, sessions))
            for session in sessions:
                answer = session.run("Wie zitten er in de weegploeg?").text()
                assert 'class="ra-answer"' in answer and "Notitie over de weegploeg" in answer

            write(served_index.corpus_dir / "buurtbemiddeling.md", NEW_DOC)
            build_index(served_index)  # while both replicas keep running
            for session in sessions:
                answer = session.run(NEW_QUESTION).text()
                assert 'class="ra-answer"' in answer and "Notitie over buurtbemiddeling" in answer
    finally:
        for app in apps:
            stop(app)


# ----------------------------------------------------------------------------- the replica process

def _replica() -> None:
    """Answer JSON commands, one per line: {"search": q} or {"watch": stop_file, "question": q}."""
    import numpy as np

    from radassist.engine import Engine
    from radassist.settings import load_settings

    engine = Engine(load_settings())
    for line in sys.stdin:
        command = json.loads(line)
        if "search" in command:
            result = engine.search(command["search"], k=3)
            answer = {"pid": os.getpid(), "generation": engine.index.generation,
                      "doc_ids": [p.chunk.doc_id for p in result.passages]}
        else:
            answer = _watch(engine, command["question"], Path(command["watch"]), np)
        print(json.dumps(answer), flush=True)


def _watch(engine, question: str, stop_file: Path, np) -> dict:
    """Search until `stop_file` exists (then once more), printing each generation as it is first opened;
    note every generation that was not complete and consistent when it was read."""
    problems: list[str] = []
    seen: list[str] = []
    searches = 0
    give_up = time.monotonic() + 120
    while time.monotonic() < give_up:
        last = stop_file.exists()
        try:
            index = engine.index  # reopens when CURRENT moved on
            result = engine.search(question, k=3)
            searches += 1
            if not seen or seen[-1] != index.generation:
                seen.append(index.generation)
                print(json.dumps({"generation": index.generation}), flush=True)
            chunks = len(index.chunks)
            if not (index.store.count() == chunks == index.manifest["counts"]["chunks"]):
                problems.append(f"{index.generation}: store {index.store.count()} vs chunks {chunks}")
            ids = [cid for cid, _ in index.store.query(np.asarray(result.query_vector), chunks)]
            if set(ids) != set(index.row_of):
                problems.append(f"{index.generation}: dense and BM25 hold different chunks")
        except Exception as exc:  # a reader must never fail while an indexer swaps generations
            problems.append(f"{type(exc).__name__}: {exc}")
        if last:
            break
    return {"searches": searches, "generations": seen, "problems": problems}


if __name__ == "__main__" and sys.argv[1:] == ["replica"]:
    _replica()  # conftest, imported above, already made the process offline
