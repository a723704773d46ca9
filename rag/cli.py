"""`newsrag` command line: setup, ingest, ask, summarize, articles, remove, serve, eval, bench.

Errors a user can fix (a bad question, an unreachable store, a refused model file) print one line
to stderr and exit 2; they never show a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rag.config import Settings, settings_for


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    if getattr(args, "store", None):
        overrides["store__path"] = Path(args.store)
    if getattr(args, "backend", None):
        overrides["llm__backend"] = args.backend
    return settings_for(getattr(args, "preset", None) or "default", **overrides)


def _news(args: argparse.Namespace) -> Any:
    from rag.api import NewsRAG

    return NewsRAG(_settings(args))


def _filters(args: argparse.Namespace) -> Any:
    from rag.filters import Filters

    return Filters(
        outlets=tuple(args.outlet or ()),
        article_ids=tuple(args.article or ()),
        date_from=args.date_from,
        date_to=args.date_to,
    )


LISTED = 20  # rejected and duplicate files listed after an ingest


def cmd_ingest(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from rag.indexer import Pace

    news = _news(args)
    # Bytes, so the bar's rate and time left hold when the batch is one JSONL file of a year.
    bar = tqdm(unit="B", unit_scale=True, unit_divisor=1024, desc="ingest", disable=args.quiet)
    seen = {"shown": 0.0}
    pace = Pace()

    def progress(done: int, total: int | None, source: str) -> None:
        if total and bar.total != total and done <= total:
            bar.total = total
        bar.set_postfix_str(f"{pace.step(done, total)} · {Path(source).name[:40]}", False)
        # A JSONL file holds hundreds of articles: redraw on time, not only when a file ends.
        now = time.monotonic()
        if done != bar.n or now - seen["shown"] > 0.5:
            seen["shown"] = now
            bar.update(done - bar.n)
            bar.refresh()

    report = news.ingest(args.paths, progress=progress)
    bar.close()
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        print(report.summary())
        # A year of news has hundreds of each: list a screenful, point to --json for the rest.
        for path, reason in report.rejected[:LISTED]:
            print(f"  rejected {path}: {reason}", file=sys.stderr)
        for source, canonical in report.duplicates[:LISTED]:
            print(f"  duplicate {source} -> {canonical}")
        more = max(0, len(report.rejected) - LISTED) + max(0, len(report.duplicates) - LISTED)
        if more:
            print(f"  … and {more} more (use --json for every file)")
    return 0


def _questions(path: str) -> Iterator[str]:
    text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("{"):
            try:
                yield str(json.loads(line)["question"])
            except (ValueError, KeyError, TypeError):
                yield line  # kept as a literal question; the answerer reports if it is unusable
        else:
            yield line


def cmd_ask(args: argparse.Namespace) -> int:
    from rag.answer import QuestionError
    from rag.schema import Answer

    if not args.question and not args.batch:
        print("newsrag ask: give a QUESTION or --batch FILE", file=sys.stderr)
        return 2
    news = _news(args)
    filters = _filters(args)
    if args.batch:
        for q in _questions(args.batch):
            try:
                answer = news.ask(q, filters=filters)
                print(json.dumps(answer.to_json(), ensure_ascii=False), flush=True)
            except QuestionError as exc:
                print(json.dumps({"question": q[:200], "error": str(exc)}), flush=True)
        return 0
    try:
        if args.json:
            print(
                json.dumps(news.ask(args.question, filters=filters).to_json(), ensure_ascii=False)
            )
            return 0
        final: Answer | None = None
        for event in news.ask_stream(args.question, filters=filters):
            if isinstance(event, Answer):
                final = event
            else:
                print(event.text, end="", flush=True, file=sys.stderr)
        print(file=sys.stderr)
    except QuestionError as exc:
        print(f"newsrag ask: {exc}", file=sys.stderr)
        return 2
    assert final is not None
    print(final.text)
    if final.note:
        print(f"({final.note})")
    if final.abstained:
        for e in final.closest():
            print(f"  closest: {e.outlet or 'unknown'}, {e.published or 'undated'}: “{e.quote}”")
    for c in final.citations:
        flag = "" if c.supported else " (unsupported)"
        print(f"[{c.n}] {c.outlet}, {c.published or 'undated'}: “{c.quote}”{flag}")
    return 0


def cmd_summarize(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from rag.schema import Answer

    if args.kind == "article" and len(args.article or ()) != 1:
        print("newsrag summarize: --kind article needs exactly one --article ID", file=sys.stderr)
        return 2
    if args.topic is not None and not args.topic.strip():
        print("newsrag summarize: --topic needs some words", file=sys.stderr)
        return 2
    form = None
    if args.bullets is not None or args.sentences is not None:
        from rag.summarize import Form
        from rag.summarize.form import MAX_ITEMS

        if args.kind != "overview" or None not in (args.bullets, args.sentences):
            print("newsrag summarize: --bullets or --sentences, for an overview", file=sys.stderr)
            return 2
        if not 1 <= (args.bullets if args.bullets is not None else args.sentences) <= MAX_ITEMS:
            print(f"newsrag summarize: give 1 to {MAX_ITEMS} bullets or sentences", file=sys.stderr)
            return 2
        form = Form(args.bullets, args.sentences)
    news = _news(args)
    bar = tqdm(desc=args.topic or args.kind, unit="step", disable=args.json or None, leave=False)

    def progress(done: int, total: int, stage: str) -> None:
        bar.total = total
        bar.update(done - bar.n)
        bar.set_postfix_str(stage[:40], refresh=True)

    final: Answer | None = None
    events = news.summarize_stream(
        args.kind, args.topic, filters=_filters(args), progress=progress, form=form
    )
    for event in events:
        if isinstance(event, Answer):
            final = event
    bar.close()
    assert final is not None
    if args.json:
        print(json.dumps(final.to_json(), ensure_ascii=False))
        return 0
    print(final.text)
    if final.note:
        print(f"({final.note})")
    for c in final.citations:
        print(f"[{c.n}] {c.outlet}, {c.published or 'undated'}: “{c.quote}”")
    return 0


def cmd_articles(args: argparse.Namespace) -> int:
    news = _news(args)
    if args.show:
        article = news.article(args.show)
        if article is None:
            print(f"no article {args.show}", file=sys.stderr)
            return 2
        print(
            json.dumps(article.to_json(), ensure_ascii=False, indent=2)
            if args.json
            else f"{article.title}\n{article.outlet} · {article.published or 'undated'}\n\n"
            + article.text
            + _dropped_note(article.dropped)
        )
        return 0
    for a in news.articles():
        if args.json:
            print(
                json.dumps(
                    {k: v for k, v in a.to_json().items() if k != "text"}, ensure_ascii=False
                )
            )
        else:
            also = f" (also: {', '.join(a.also_in)})" if a.also_in else ""
            print(
                f"{a.id}  {a.published or 'undated':10}  {a.outlet[:20]:20}  {a.title[:70]}{also}"
            )
    return 0


def _dropped_note(dropped: tuple[str, ...]) -> str:
    """What ingest left out of the article as text addressed to a language model."""
    if not dropped:
        return ""
    lines = "\n".join(f"  - {d}" for d in dropped)
    return (
        f"\n\n--- dropped at ingest: {len(dropped)} passage(s) addressed to a language model, "
        f"not news (never indexed, never evidence) ---\n{lines}"
    )


def cmd_remove(args: argparse.Namespace) -> int:
    news = _news(args)
    missing = [i for i in args.ids if not news.remove(i)]
    for i in missing:
        print(f"no article {i}", file=sys.stderr)
    return 2 if missing else 0


def cmd_setup(args: argparse.Namespace) -> int:
    """Assemble and verify the packaged LLM (once), and check the embedder package is present."""
    from tqdm import tqdm

    from rag.model_files import ensure_gguf, minilm_path

    settings = _settings(args)
    with tqdm(unit="B", unit_scale=True, desc="model", disable=None) as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        path = ensure_gguf(settings.model_cache, progress)
    print(f"LLM: {path} (sha256 verified)")
    if settings.embed.backend == "onnx":
        from rag.onnx_embed import ensure_onnx_model

        print(f"embedder: {ensure_onnx_model(settings.model_cache)} (int8, from {minilm_path()})")
    else:
        print(f"embedder: {minilm_path()}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import app

    app.main(_settings(args))
    return 0


def _harness(module: str) -> Any:
    """The harnesses live in the repository's eval/ folder (not in the installed package): put the
    repository root on the path so the console script finds them."""
    import importlib

    root = Path(__file__).resolve().parent.parent
    if (root / "eval" / f"{module}.py").is_file() and str(root) not in sys.path:
        sys.path.insert(0, str(root))
    return importlib.import_module(f"eval.{module}")


def run_eval(argv: list[str]) -> int:
    return int(_harness("run").main(argv))


def run_bench(argv: list[str]) -> int:
    return int(_harness("bench").main(argv))


def cmd_eval(args: argparse.Namespace) -> int:
    return run_eval(args.rest)


def cmd_bench(args: argparse.Namespace) -> int:
    return run_bench(args.rest)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="newsrag", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--store", help="store folder (default: <data_dir>/store)")
        sp.add_argument("--preset", help="settings preset (see rag.config.PRESETS)")
        sp.add_argument("--backend", choices=["embedded", "openai", "ollama", "fake"])
        sp.add_argument("--json", action="store_true", help="machine-readable output")

    def scope(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--outlet", action="append", help="only these outlets (repeatable)")
        sp.add_argument("--article", action="append", help="only these article ids (repeatable)")
        sp.add_argument("--from", dest="date_from", help="only articles published on/after (ISO)")
        sp.add_argument("--to", dest="date_to", help="only articles published on/before (ISO)")

    sp = sub.add_parser("ingest", help="add files or folders of articles")
    common(sp)
    sp.add_argument("paths", nargs="+")
    sp.add_argument("--quiet", action="store_true", help="no progress bar")
    sp.set_defaults(func=cmd_ingest)

    sp = sub.add_parser("ask", help="ask a question, or a batch of them")
    common(sp)
    sp.add_argument("question", nargs="?")
    sp.add_argument("--batch", metavar="FILE", help="one question a line, or JSONL with 'question'")
    scope(sp)
    sp.set_defaults(func=cmd_ask)

    sp = sub.add_parser("summarize", help="a cited overview, timeline, comparison or guide")
    common(sp)
    sp.add_argument(
        "--kind", choices=["overview", "timeline", "compare", "article"], default="overview"
    )
    sp.add_argument("--topic", help='only the passages on this topic, e.g. "the Ukraine war"')
    sp.add_argument("--bullets", type=int, metavar="N", help="an overview of N bullet points")
    sp.add_argument("--sentences", type=int, metavar="N", help="an overview of N sentences")
    scope(sp)
    sp.set_defaults(func=cmd_summarize)

    sp = sub.add_parser("articles", help="list stored articles, or show one cleaned")
    common(sp)
    sp.add_argument("--show", metavar="ID")
    sp.set_defaults(func=cmd_articles)

    sp = sub.add_parser("remove", help="delete articles by id")
    common(sp)
    sp.add_argument("ids", nargs="+")
    sp.set_defaults(func=cmd_remove)

    sp = sub.add_parser("setup", help="assemble and verify the packaged model (once)")
    common(sp)
    sp.set_defaults(func=cmd_setup)

    sp = sub.add_parser("serve", help="serve the chat page (same as python app.py)")
    common(sp)
    sp.set_defaults(func=cmd_serve)

    sp = sub.add_parser("eval", help="run the evaluation (see `newsrag eval -- --help`)")
    sp.add_argument("rest", nargs=argparse.REMAINDER)
    sp.set_defaults(func=cmd_eval)

    sp = sub.add_parser("bench", help="run the benchmarks (see `newsrag bench -- --help`)")
    sp.add_argument("rest", nargs=argparse.REMAINDER)
    sp.set_defaults(func=cmd_bench)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # Every option after "eval" or "bench" belongs to that harness's own parser.
    if argv[:1] == ["eval"]:
        return run_eval(argv[1:])
    if argv[:1] == ["bench"]:
        return run_bench(argv[1:])
    args = build_parser().parse_args(argv)
    from rag.model_files import ModelFileError
    from rag.store import StoreError

    try:
        return int(args.func(args))
    except (StoreError, ModelFileError, ValueError) as exc:
        print(f"newsrag {args.cmd}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
