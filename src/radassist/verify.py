"""Citation verification for LLM answers: each sentence must be supported by the passage it cites.

Support of a sentence by a passage = the better of (a) the share of the sentence's content words
found in the passage and (b) the USE similarity to the closest passage sentence, averaged with the
other. Markers that point nowhere ([7] of 5) are removed; sentences without a valid marker or with
too little support are dropped. The verdict per sentence is part of the result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from radassist.embed import get_embedder
from radassist.text import content_terms, split_sentences
from radassist.types import Citation, Passage, SentenceVerdict

_MARKER = re.compile(r"\[(\d{1,3})\]")


@dataclass
class Verified:
    text: str
    citations: list[Citation]
    verdicts: list[SentenceVerdict]
    kept_share: float


def verify(answer: str, passages: list[Passage], min_support: float) -> Verified:
    by_rank = {p.rank: p for p in passages}
    use = get_embedder("use")
    # "Zin. [1] Volgende zin" -> "Zin [1]. Volgende zin": keep each marker with its own sentence.
    answer = re.sub(r"([.!?])\s*((?:\[\d{1,3}\]\s*)+)", lambda m: " " + m.group(2).strip() + m.group(1) + " ", answer)
    spans = split_sentences(answer)
    sentences = [answer[a:b] for a, b in spans]
    verdicts: list[SentenceVerdict] = []
    kept_parts: list[str] = []
    citations: list[Citation] = []
    passage_sents = {p.rank: [p.chunk.text[a:b] for a, b in split_sentences(p.chunk.text)] for p in passages}
    flat = [(rank, s) for rank, sents in passage_sents.items() for s in sents]
    flat_vecs = use.embed_passages([s for _, s in flat]) if flat else np.zeros((0, 512), np.float32)
    sent_vecs = use.embed_passages([_MARKER.sub("", s) for s in sentences]) if sentences else flat_vecs[:0]

    for i, sentence in enumerate(sentences):
        markers = [int(m) for m in _MARKER.findall(sentence)]
        valid = [m for m in dict.fromkeys(markers) if m in by_rank]
        bare = re.sub(r"\s+([.!?:;,])", r"\1", " ".join(_MARKER.sub("", sentence).split()))
        if not bare:
            continue
        if not valid:
            reason = "verwijst naar een niet-bestaande bron" if markers else "geen bronverwijzing"
            verdicts.append(SentenceVerdict(bare, markers, 0.0, False, reason))
            continue
        terms = set(content_terms(bare))
        best_support, best_quote, best_rank = 0.0, "", valid[0]
        for rank in valid:
            p_terms = set(content_terms(by_rank[rank].chunk.text))
            lexical = len(terms & p_terms) / len(terms) if terms else 0.0
            rows = [j for j, (r, _s) in enumerate(flat) if r == rank]
            if rows:
                sims = flat_vecs[rows] @ sent_vecs[i]
                j = int(np.argmax(sims))
                semantic, quote = float(sims[j]), flat[rows[j]][1]
            else:
                semantic, quote = 0.0, by_rank[rank].chunk.text[:200]
            support = 0.5 * lexical + 0.5 * max(0.0, semantic)
            if support > best_support:
                best_support, best_quote, best_rank = support, quote, rank
        kept = best_support >= min_support
        verdicts.append(
            SentenceVerdict(bare, valid, round(best_support, 4), kept, "" if kept else "onvoldoende steun in de bron")
        )
        if kept:
            end = bare[-1] if bare[-1] in ".!?:;" else "."
            body = bare[:-1].rstrip() if bare[-1] in ".!?:;" else bare
            kept_parts.append(f"{body} {''.join(f'[{m}]' for m in valid)}{end}")
            citations.append(Citation(marker=best_rank, passage=by_rank[best_rank], quote=best_quote.strip()))
    total = len(verdicts)
    kept_share = (sum(v.kept for v in verdicts) / total) if total else 0.0
    return Verified(" ".join(kept_parts), citations, verdicts, kept_share)
