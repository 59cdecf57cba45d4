"""radassist: grounded Dutch answers over the knowledge base of the landelijk flexteam aanpak radicalisering.

Importing the package first makes the process offline (see `offline.py`), so no later import of
transformers, chromadb or llama-index can reach a model hub or send telemetry.
"""

from radassist.offline import ensure_offline

ensure_offline()

__version__ = "0.1.0"
