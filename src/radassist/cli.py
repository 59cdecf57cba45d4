"""`radassist`: the command line. Plain text for people, --json for scripts.

    radassist index                      build or update the index from corpus/
    radassist status                     what is indexed and whether the corpus changed since
    radassist search "vraag"             passages only (hybrid retrieval)
    radassist ask "vraag"                a short answer with citations
    radassist chat                       interactive chat in the terminal, with follow-ups
    radassist eval                       run an eval set and write a report
    radassist audit                      show the audit log
    radassist feedback export            negative feedback as eval-set candidates
    radassist users add|remove|list      manage the local users file

Exit codes: 0 ok, 2 usage or configuration error, 1 other failure (one line on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Iterable

from radassist.types import ConfigError, RadassistError


# ----------------------------------------------------------------------------- helpers

def _settings(args: argparse.Namespace):
    from radassist.settings import load_settings

    overrides = {}
    if getattr(args, "corpus", None):
        overrides["corpus_dir"] = Path(args.corpus)
    if getattr(args, "index", None):
        overrides["index_dir"] = Path(args.index)
    try:
        settings = load_settings(**overrides)
    except Exception as exc:  # pydantic ValidationError, TOML errors
        raise ConfigError(f"ongeldige instellingen: {_first_line(exc)}") from None
    if getattr(args, "backend", None):
        settings.answer.backend = args.backend
    if getattr(args, "k", None):
        settings.retrieval.k = args.k
    return settings


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return " ".join(text[:3])[:300] if text else type(exc).__name__


def _filters(args: argparse.Namespace):
    from radassist.retrieve import Filters

    return Filters(
        types=args.type or [], themes=args.theme or [], regions=args.region or [], doc_ids=args.doc or []
    )


def _progress_printer():
    tty = sys.stderr.isatty()
    last = {"stage": None, "t": 0.0}

    def show(stage: str, done: int, total: int) -> None:
        if tty:
            width = 30
            filled = int(width * done / total) if total else width
            sys.stderr.write(f"\r{stage:<9} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
            if done >= total:
                sys.stderr.write("\n")
            sys.stderr.flush()
        else:
            now = time.monotonic()
            if stage != last["stage"] or done >= total or now - last["t"] > 10:
                print(f"{stage}: {done}/{total}", file=sys.stderr, flush=True)
                last.update(stage=stage, t=now)

    return show


def _read_batch(path: str) -> Iterable[tuple[str | None, str]]:
    source = sys.stdin if path == "-" else open(path, encoding="utf-8")
    with source:
        for n, line in enumerate(source, start=1):
            line = line.strip()
            if not line:
                continue
            if line.startswith("{"):
                try:
                    obj = json.loads(line)
                except ValueError:
                    raise ConfigError(f"{path}: regel {n} is geen geldige JSON") from None
                if "question" not in obj:
                    raise ConfigError(f"{path}: regel {n} mist het veld 'question'")
                yield obj.get("id"), str(obj["question"])
            else:
                yield None, line


def _print_passages(passages) -> None:
    for p in passages:
        c = p.chunk
        where = f"{c.title}" + (f" - {c.section}" if c.section else "") + (f" (p. {c.page})" if c.page else "")
        print(f"[{p.rank}] {where}  score {p.score:.4f}")
        snippet = " ".join(c.text.split())
        print(f"    {snippet[:300]}{'...' if len(snippet) > 300 else ''}")


def _print_answer(result) -> None:
    if result.notice:
        print(f"Let op: {result.notice}\n")
    print(result.answer)
    print()
    if result.refused:
        if result.passages:
            print("Dichtstbijzijnde passages:")
            _print_passages(result.passages)
        return
    print("Bronnen:")
    seen = set()
    for cit in result.citations:
        c = cit.passage.chunk
        if cit.marker in seen:
            continue
        seen.add(cit.marker)
        where = ", ".join(x for x in (c.section, f"p. {c.page}" if c.page else "") if x)
        print(f"[{cit.marker}] {c.title}{' - ' + where if where else ''}  ({c.path})")


# ----------------------------------------------------------------------------- commands

def cmd_index(args) -> int:
    from radassist.index import build_index

    settings = _settings(args)
    report = build_index(settings, rebuild=args.rebuild, progress=None if args.json else _progress_printer())
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=1))
        return 0
    if report.nothing_changed:
        print(f"Niets gewijzigd: {report.documents} documenten, {report.chunks} passages ({report.seconds:.1f} s).")
    else:
        kind = "volledig opnieuw opgebouwd" if report.full_rebuild else "bijgewerkt"
        print(f"Index {kind} in {report.seconds:.1f} s: {report.documents} documenten, {report.chunks} passages "
              f"({report.embedded} nieuw ingebed).")
        print(f"  toegevoegd {len(report.added)}, gewijzigd {len(report.changed)}, verwijderd {len(report.removed)}, "
              f"ongewijzigd {len(report.unchanged)}, overgeslagen {len(report.skipped)}")
    for warning in report.warnings:
        print(f"  waarschuwing: {warning}")
    for skipped in report.skipped:
        print(f"  overgeslagen: {skipped.reason}")
    return 0


def cmd_status(args) -> int:
    from radassist.index import corpus_changed, read_manifest

    settings = _settings(args)
    manifest = read_manifest(settings.index_dir)
    if manifest is None:
        if args.json:
            print(json.dumps({"indexed": False, "index_dir": str(settings.index_dir)}))
        else:
            print(f"Nog geen index in {settings.index_dir}. Maak er een met: radassist index")
        return 0
    corpus = Path(manifest.get("corpus_dir", settings.corpus_dir))
    settings.corpus_dir = corpus if corpus.exists() else settings.corpus_dir
    try:
        changed = corpus_changed(settings, manifest)
    except RadassistError:
        changed = True
    info = {
        "indexed": True,
        "index_dir": str(settings.index_dir),
        "generation": manifest["generation"],
        "created": manifest["created"],
        "corpus_dir": manifest.get("corpus_dir"),
        "counts": manifest["counts"],
        "embedding_model": manifest["embedding"]["model"],
        "settings": manifest["settings"],
        "build_seconds": manifest.get("build_seconds"),
        "corpus_changed": changed,
        "skipped": manifest.get("skipped", []),
    }
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=1))
        return 0
    c = manifest["counts"]
    print(f"Index: {settings.index_dir} (generatie {manifest['generation']})")
    print(f"Gebouwd: {manifest['created']} in {manifest.get('build_seconds')} s")
    print(f"Corpus: {manifest.get('corpus_dir')}")
    print(f"Inhoud: {c['documents']} documenten, {c['chunks']} passages, {c['skipped']} overgeslagen")
    print(f"Model: {manifest['embedding']['model']}; chunks ~{manifest['settings']['chunking']['target_words']} woorden")
    print("Corpus gewijzigd sinds indexering: " + ("ja - draai 'radassist index'" if changed else "nee"))
    return 0


def cmd_search(args) -> int:
    from radassist.engine import Engine

    settings = _settings(args)
    engine = Engine(settings)
    filters = _filters(args)
    if args.batch:
        return _run_batch(args.batch, lambda q: {
            "question": q, "passages": [p.to_json() for p in engine.search(q, args.k, filters, args.role).passages]})
    if not args.question:
        raise ConfigError("geef een vraag op, of --batch FILE")
    result = engine.search(args.question, args.k, filters, args.role)
    if args.json:
        print(json.dumps({"question": args.question, "passages": [p.to_json() for p in result.passages]},
                         ensure_ascii=False, indent=1))
    else:
        _print_passages(result.passages)
    return 0


def cmd_ask(args) -> int:
    from radassist.engine import AskContext, Engine

    settings = _settings(args)
    engine = Engine(settings)
    ctx = AskContext(filters=_filters(args), role=args.role, backend=args.backend, k=args.k, session="cli")
    if args.batch:
        return _run_batch(args.batch, lambda q: engine.ask(q, ctx).to_json())
    if not args.question:
        raise ConfigError("geef een vraag op, of --batch FILE")
    if args.json:
        print(json.dumps(engine.ask(args.question, ctx).to_json(), ensure_ascii=False, indent=1))
        return 0
    result = None
    streamed = False
    for event, value in engine.ask_stream(args.question, ctx):
        if event == "token" and sys.stdout.isatty():
            sys.stdout.write(value)
            sys.stdout.flush()
            streamed = True
        elif event == "answer":
            result = value
    if streamed:
        sys.stdout.write("\r\033[K" if result and not result.refused else "\n")
    _print_answer(result)
    return 0


def _run_batch(path: str, answer) -> int:
    """One JSON line per question of a batch file, in order, with the question's id when it has one."""
    for qid, question in _read_batch(path):
        out = answer(question)
        print(json.dumps(out if qid is None else {"id": qid, **out}, ensure_ascii=False), flush=True)
    return 0


def cmd_chat(args) -> int:
    from radassist.conversation import Turn
    from radassist.engine import AskContext, Engine

    settings = _settings(args)
    engine = Engine(settings)
    history: list[Turn] = []
    print("radassist - stel uw vraag over de aanpak van radicalisering. 'nieuw' start een nieuw gesprek, "
          "'stop' sluit af.")
    while True:
        try:
            question = input("\nvraag> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if question.lower() in ("stop", "exit", "quit", "q"):
            return 0
        if question.lower() == "nieuw":
            history.clear()
            print("Nieuw gesprek gestart.")
            continue
        if not question:
            continue
        ctx = AskContext(history=history, role=args.role, backend=args.backend, session="chat")
        result = engine.ask(question, ctx)
        print()
        _print_answer(result)
        history.append(Turn(question, result.standalone_question, result.answer,
                            [c.passage.chunk.doc_id for c in result.citations]))


def cmd_audit(args) -> int:
    from radassist.audit import AuditLog
    from radassist.settings import load_settings

    settings = _settings(args)
    log = AuditLog(settings.var_dir / "audit", settings.audit.max_bytes, settings.audit.keep)
    rows = list(log.entries())
    if args.since:
        rows = [r for r in rows if r["time"] >= args.since]
    if args.refused:
        rows = [r for r in rows if r["refused"]]
    if args.doc:
        rows = [r for r in rows if args.doc in r["doc_ids"]]
    if args.user:
        rows = [r for r in rows if r["user"] == args.user]
    rows = rows[-args.limit:] if args.limit else rows
    for r in rows:
        if args.json:
            print(json.dumps(r, ensure_ascii=False))
        else:
            flag = "WEIGERING" if r["refused"] else "antwoord "
            print(f"{r['time']}  {r['user']}  {flag}  {r['latency_ms']:>7.0f} ms  {r['backend']:<12} "
                  f"{','.join(r['doc_ids']) or '-'}  {r['question'][:80]}")
    return 0


# ----------------------------------------------------------------------------- parser

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="radassist",
        description="Vraag de kennisbank over de integrale aanpak van radicalisering. "
        "Answers cite the passage (document, section, page) they come from.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def common(p, corpus: bool = False):
        p.add_argument("--index", metavar="DIR", help="index folder (default: index/ or RADASSIST_INDEX_DIR)")
        if corpus:
            p.add_argument("--corpus", metavar="DIR", help="document folder (default: corpus/)")
        p.add_argument("--json", action="store_true", help="machine-readable output")

    def retrieval_opts(p):
        p.add_argument("question", nargs="?", help="the question, in Dutch")
        p.add_argument("--k", type=int, help="number of passages (default 6)")
        p.add_argument("--batch", metavar="FILE", help="questions, one per line or JSONL with 'question' ('-' = stdin)")
        p.add_argument("--type", action="append", help="only this document type (repeatable)")
        p.add_argument("--theme", action="append", help="only documents with this theme (repeatable)")
        p.add_argument("--region", action="append", help="only this region (repeatable)")
        p.add_argument("--doc", action="append", help="only this document id (repeatable)")
        p.add_argument("--role", help="access role, e.g. gast or medewerker (default from settings)")

    p = sub.add_parser("index", help="build or update the index", description="Index the corpus. Incremental: only "
                       "changed documents are re-read and only new text is embedded.")
    common(p, corpus=True)
    p.add_argument("--rebuild", action="store_true", help="rebuild everything from scratch")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("status", help="show what is indexed")
    common(p, corpus=True)
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("search", help="retrieve passages (no answer)")
    common(p)
    retrieval_opts(p)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", help="answer a question with citations")
    common(p)
    retrieval_opts(p)
    p.add_argument("--backend", choices=["extractive", "openai", "ollama", "llamacpp"], help="who writes the answer")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", help="interactive chat in the terminal")
    p.add_argument("--index", metavar="DIR")
    p.add_argument("--role")
    p.add_argument("--backend", choices=["extractive", "openai", "ollama", "llamacpp"])
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("audit", help="show the audit log (redacted questions only)")
    p.add_argument("--index", metavar="DIR")
    p.add_argument("--since", help="ISO date/time, e.g. 2026-11-01")
    p.add_argument("--refused", action="store_true", help="only refusals")
    p.add_argument("--doc", help="only answers citing this document id")
    p.add_argument("--user", help="only this pseudonymous user id")
    p.add_argument("--limit", type=int, default=50, help="last N entries (0 = all)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_audit)

    _register_extra(sub)
    return parser


def _register_extra(sub) -> None:
    """Commands that live in their own modules (eval, feedback, users)."""
    for module in ("radassist.eval", "radassist.calibrate", "radassist.feedback", "radassist.auth"):
        try:
            mod = __import__(module, fromlist=["register_cli"])
        except ImportError:
            continue
        register = getattr(mod, "register_cli", None)
        if register:
            register(sub)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args) or 0
    except ConfigError as exc:
        print(f"radassist: {exc}", file=sys.stderr)
        return 2
    except RadassistError as exc:
        print(f"radassist: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("radassist: afgebroken", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    except Exception as exc:  # last resort: one clear line, no traceback for users
        print(f"radassist: onverwachte fout: {type(exc).__name__}: {_first_line(exc)}", file=sys.stderr)
        if __import__("os").environ.get("RADASSIST_DEBUG"):
            raise
        return 1


if __name__ == "__main__":
    sys.exit(main())
