import hashlib
def split_of(qid: str) -> str:
    """Deterministic 50/50 split by id (decided once, before any tuning)."""
    return "tune" if int(hashlib.sha1(qid.encode()).hexdigest(), 16) % 2 == 0 else "test"
