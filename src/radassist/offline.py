"""One place that makes the process offline and telemetry-free.

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
}


def ensure_offline() -> None:
    """Set the offline/telemetry variables unless the operator set them explicitly."""
    for key, value in _OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
