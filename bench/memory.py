"""Memory of the chat app with the default configuration, and whether torch stays out of it.

Two measurements:
- a probe process that does what the app's cached engine does (`Engine(load_settings())`, `warm_up()`,
  one question) and reports its RSS and which heavy modules it imported;
- the real `streamlit run app.py` server: RSS after start, after one browser-free session loaded the
  page (engine load and warm-up happen there), and after that session asked one question; torch is
  checked in the server through the shared libraries it has mapped.

    python bench/memory.py --probe      (the child process; prints one JSON line)
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

HEAVY_MODULES = ("torch", "sentence_transformers", "transformers", "llama_index.core", "chromadb", "streamlit")
HEAVY_LIBS = ("libtorch", "libonnxruntime", "libopenblas", "libgomp", "chromadb_rust_bindings")
QUESTION = "Wat doet een procesregisseur in het casusoverleg?"


def probe() -> None:
    from common import rss_mb

    t0 = time.perf_counter()
    import radassist  # noqa: F401
    from radassist.engine import AskContext, Engine
    from radassist.settings import load_settings

    import_rss = rss_mb()["rss_mb"]
    engine = Engine(load_settings())
    engine.warm_up()
    warm_rss = rss_mb()["rss_mb"]
    answer = engine.ask(QUESTION, AskContext(session="bench"))
    after = rss_mb()
    loaded = {m: m in sys.modules for m in HEAVY_MODULES}
    print(json.dumps({
        "rss_after_import_mb": import_rss,
        "rss_after_warm_up_mb": warm_rss,
        "rss_after_answer_mb": after["rss_mb"],
        "peak_mb": after["peak_mb"],
        "modules_loaded": loaded,
        "answered": not answer.refused,
        "seconds": round(time.perf_counter() - t0, 2),
    }))


def measure(settings, work: Path) -> dict:
    from common import PYTHON, bench_env, log, mapped_libraries, rss_mb, run_timed, tree_rss_mb
    from stclient import Session, StreamlitServer

    env = bench_env(Path(settings.corpus_dir), Path(settings.index_dir))
    log("memory: probe process (Engine + warm_up + one question)")
    _s, proc = run_timed([PYTHON, str(Path(__file__).resolve()), "--probe"], env=env, timeout=180)
    if proc.returncode != 0:
        raise RuntimeError(f"memory probe failed: {proc.stderr.strip()[-400:]}")
    result = {"probe": json.loads(proc.stdout.strip().splitlines()[-1])}

    log("memory: streamlit server, one browser-free session, one question")
    server_info: dict = {}
    try:
        with StreamlitServer(env, work / "streamlit-memory.log") as server:
            pid = server.proc.pid
            time.sleep(1.0)
            server_info["ready_s"] = round(server.ready_s, 2)
            server_info["rss_after_start_mb"] = rss_mb(pid)["rss_mb"]
            with Session(server.url) as session:
                page = session.open_page()
                server_info["page_load_s"] = round(page.seconds, 2)
                server_info["rss_after_page_mb"] = rss_mb(pid)["rss_mb"]
                answer = session.ask(QUESTION)
                server_info["question_s"] = round(answer.seconds, 2)
                server_info["question_first_token_s"] = (round(answer.first_token_s, 2)
                                                         if answer.first_token_s is not None else None)
                server_info["answered"] = answer.answer_s is not None
                server_info["errors"] = page.errors + answer.errors
            server_info["rss_after_answer_mb"] = rss_mb(pid)["rss_mb"]
            server_info["peak_mb"] = rss_mb(pid)["peak_mb"]
            server_info["tree_rss_mb"] = tree_rss_mb(pid)
            server_info["libraries_mapped"] = mapped_libraries(pid, HEAVY_LIBS)
    except Exception as exc:  # the report still shows the probe; the failure is recorded, not hidden
        server_info["error"] = f"{type(exc).__name__}: {exc}"[:300]
    result["server"] = server_info
    return result


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    if sys.argv[1:] == ["--probe"]:
        probe()
    else:
        print(__doc__)
        sys.exit(2)
