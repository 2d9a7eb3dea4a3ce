"""The ``graphmem`` command line: ingest, search, ask, history, stats, rebuild, forget, export,
mcp, bench."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from .benchmarks.splits import SPLITS
from .config import Config, with_settings
from .embed import EMBEDDERS, default_embedder, make_embedder
from .errors import GraphmemError, InvalidInputError
from .memory import Memory


class CLIError(GraphmemError):
    """A usage or input problem, reported as one line."""


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CLIError(f"cannot read {path}: {exc.strerror}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CLIError(f"{path} is not valid UTF-8 (byte {exc.start}: {exc.reason})") from None


def read_messages(path: Path, namespace: str) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """(line number, namespace, message) triples from a JSONL file of messages, or from plain
    text (one message per non-empty paragraph). A message without a ``source_id`` gets one
    from the file's name, its line and its text, so importing a file again stores nothing twice."""
    text = _read_text(path)
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        for number, line in enumerate(text.split("\n"), 1):  # JSON text may hold U+2028
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CLIError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
            if not isinstance(record, dict) or not isinstance(record.get("text"), str):
                raise CLIError(f'{path}:{number}: expected an object with a "text" string')
            record.setdefault("source_id", _source_id(path, number, line))
            yield number, record.pop("namespace", None) or namespace, record
    else:
        number = 1
        for paragraph in text.replace("\r\n", "\n").split("\n\n"):
            if paragraph.strip():
                start = number + len(paragraph) - len(paragraph.lstrip("\n"))
                source_id = _source_id(path, start, paragraph.strip())
                yield (
                    start,
                    namespace,
                    {
                        "text": paragraph.strip(),
                        "source": "document",
                        "source_id": source_id,
                    },
                )
            number += paragraph.count("\n") + 2


def _source_id(path: Path, line: int, text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"{path.name}:{line}:{digest}"


def _progress(total: int, desc: str, quiet: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="msg", disable=quiet or total < 50, file=sys.stderr)


def cmd_ingest(mem: Memory, args: argparse.Namespace) -> None:
    """A document (``--document``) is stored as consecutive chunks. Otherwise every line is checked before anything is stored; lines already stored (by ``source_id``)
    are skipped, so an interrupted import can simply be run again."""
    path = Path(args.file)
    if args.document:
        text = _read_text(path)
        if not text.strip():
            raise CLIError(f"{path} holds no text")
        episodes = mem.add_document(text, namespace=args.namespace, source_id=path.name)
        failed = sum(ep.status == "failed" for ep in episodes)
        print(json.dumps({"chunks": len(episodes), "failed": failed, "document": path.name}))
        return
    groups: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for number, ns, msg in read_messages(path, args.namespace):
        groups.setdefault(ns, []).append((number, msg))
    if not groups:
        raise CLIError(f"{path} holds no messages")
    for ns, rows in groups.items():
        try:
            mem.check_messages([msg for _, msg in rows], namespace=ns)
        except InvalidInputError as exc:
            where = f"{path}:{rows[exc.position][0]}" if exc.position is not None else str(path)
            reason = exc.reason.replace("use add_document()", "use ingest --document")
            raise CLIError(f"{where}: {reason}") from None
    added = skipped = failed = 0
    with _progress(sum(map(len, groups.values())), "ingest", args.quiet) as bar:
        for ns, rows in groups.items():
            for start in range(0, len(rows), args.batch):
                part = [msg for _, msg in rows[start : start + args.batch]]
                got = mem.ingest(part, namespace=ns)
                added += len(got.new)
                skipped += got.skipped
                failed += sum(ep.status == "failed" for ep in got.new)
                bar.update(len(part))
    report = {"ingested": added, "skipped": skipped, "failed": failed, "namespaces": sorted(groups)}
    print(json.dumps(report))


def _filters(args: argparse.Namespace) -> dict[str, Any]:
    """The search filter the command line's options give."""
    chosen = {
        "speakers": args.speaker,
        "sessions": args.session,
        "source_ids": args.source_id,
        "kinds": args.kind,
        "said_after": args.said_after,
        "said_before": args.said_before,
        "valid_after": args.valid_after,
        "valid_before": args.valid_before,
    }
    chosen = {k: v for k, v in chosen.items() if v is not None}
    if args.history:
        chosen["include_superseded"] = True
    if args.no_conflicted:
        chosen["include_conflicted"] = False
    return chosen


def cmd_search(mem: Memory, args: argparse.Namespace) -> None:
    hits = mem.search(
        args.query, namespace=args.namespace, k=args.k, as_of=args.as_of, filters=_filters(args)
    )
    if args.json:
        print(json.dumps([h.model_dump(mode="json") for h in hits], ensure_ascii=False, indent=1))
        return
    if not hits:
        print("no memories found")
    for rank, h in enumerate(hits, 1):
        at = h.valid_from or h.occurred_at  # a unit's resolved time ("yesterday" -> its day)
        when = at.date().isoformat() if at else "-"
        print(f"{rank:>2}. [{h.kind} {h.score:.4f} {when}] {h.text}")


def cmd_ask(mem: Memory, args: argparse.Namespace) -> None:
    answer = mem.ask(args.question, namespace=args.namespace, k=args.k, as_of=args.as_of)
    if args.json:
        print(answer.model_dump_json(indent=1))
        return
    print(answer.text)
    sources = {h.id: h.source_ids for h in answer.evidence}
    for cited in answer.citations:
        print(f"  cites {', '.join(sources.get(cited) or [cited])}")


def cmd_history(mem: Memory, args: argparse.Namespace) -> None:
    for unit in mem.history(args.entity, namespace=args.namespace):
        start = unit.valid_from.date().isoformat() if unit.valid_from else "?"
        end = unit.valid_to.date().isoformat() if unit.valid_to else "now"
        why = f"  ({unit.reason})" if unit.reason else ""
        print(f"{start} .. {end}  [{unit.status}] {unit.text}{why}")


def cmd_stats(mem: Memory, args: argparse.Namespace) -> None:
    print(mem.stats(args.namespace if args.namespace_given else None).model_dump_json(indent=1))


def cmd_rebuild(mem: Memory, args: argparse.Namespace) -> None:
    print(json.dumps({"reprocessed": mem.rebuild(args.namespace)}))


def cmd_forget(mem: Memory, args: argparse.Namespace) -> None:
    if args.all == (args.id is not None):
        raise CLIError("forget takes an id, or --all to erase the whole namespace")
    if args.all:
        report = mem.forget_namespace(args.namespace)
    else:
        report = mem.forget(args.id, namespace=args.namespace)
    print(report.model_dump_json())


def cmd_mcp(mem: Memory, args: argparse.Namespace) -> None:
    from .mcp_server import serve

    serve(mem, args.namespace if args.namespace_given else None, args.port if args.http else None)


def cmd_export(mem: Memory, args: argparse.Namespace) -> None:
    from .export import export_graph

    out = Path(args.out)
    export_graph(mem.store, args.namespace, out, args.format)
    print(json.dumps({"written": str(out), "format": args.format}))


def _bench_report(args: argparse.Namespace, report: dict[str, Any]) -> None:
    if getattr(args, "set", None):
        report["settings"] = args.set  # an ablation: what was changed
    text = json.dumps(report, indent=1)
    if args.json:
        Path(args.json).write_text(text + "\n", "utf-8")
    print(text)


def cmd_bench_locomo(mem: Memory | None, args: argparse.Namespace) -> None:
    from .benchmarks import locomo

    ks = [int(k) for k in args.k.split(",")]
    llm = _llm(args) if args.mode == "llm" else None
    report = locomo.run(
        Path(args.data),
        ks,
        _embedder(args),
        args.limit,
        progress=not args.quiet,
        llm=llm,
        neo4j=_neo4j_opener(args),
        split=args.split,
        config=_bench_config(args),
        sessions=args.sessions,
    )
    _bench_report(args, report)


def cmd_bench_beam(mem: Memory | None, args: argparse.Namespace) -> None:
    from .benchmarks import beam

    llm = _llm(args) if args.mode == "llm" else None
    report = beam.run(
        Path(args.data),
        args.k,
        _embedder(args),
        args.limit,
        progress=not args.quiet,
        llm=llm,
        split=args.split,
        config=_bench_config(args),
        categories=set(args.categories.split(",")) if args.categories else None,
        batches=args.batches,
    )
    _bench_report(args, report)


def cmd_bench_multihop(mem: Memory | None, args: argparse.Namespace) -> None:
    from .benchmarks import multihop

    ks = [int(k) for k in args.k.split(",")]
    report = multihop.run(
        Path(args.data),
        ks,
        _embedder(args),
        limit=args.limit,
        split=args.split,
        config=_bench_config(args),
    )
    _bench_report(args, report)


def cmd_bench_scale(mem: Memory | None, args: argparse.Namespace) -> None:
    from .benchmarks import scale

    sizes = [int(n) for n in args.units.split(",")]
    embedder = _embedder(args, "minilm-int8")
    keep = Path(args.keep) if args.keep else None
    report = scale.run(
        sizes,
        embedder,
        args.queries,
        progress=not args.quiet,
        neo4j=_neo4j_opener(args),
        keep=keep,
    )
    print(scale.table(report), file=sys.stderr)
    _bench_report(args, report)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="graphmem", description=__doc__)
    parser.add_argument("--path", help="data folder of the embedded store (default ./.graphmem)")
    parser.add_argument("--uri", help="a Neo4j URI instead of the embedded store")
    parser.add_argument(
        "--user",
        default="neo4j",
        help="Neo4j user (password: GRAPHMEM_NEO4J_PASSWORD or NEO4J_PASSWORD)",
    )
    parser.add_argument("--namespace", "-n", help="tenant namespace (default 'default')")
    parser.add_argument(
        "--embedder",
        choices=list(EMBEDDERS),
        help="text encoder (default GRAPHMEM_EMBEDDER, else minilm: MiniLM on ONNX Runtime; "
        "bench scale defaults to minilm-int8: hash vectors are a worst case for its HNSW graph)",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bars")
    parser.add_argument(
        "--llm",
        action="store_true",
        help="let a model take the agents' decisions (OpenAI-compatible endpoint from "
        "GRAPHMEM_LLM_BASE_URL, GRAPHMEM_LLM_MODEL, OPENAI_API_KEY); default: zero-LLM rules",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = _command(sub, "ingest", "store messages from a JSONL or text file", cmd_ingest)
    p.add_argument("file")
    p.add_argument("--batch", type=_positive, default=256, help="messages per transaction")
    p.add_argument(
        "--document", action="store_true", help="the file is one long document: store it in chunks"
    )
    p = _command(sub, "search", "search memory", cmd_search)
    p.add_argument("query")
    p.add_argument("-k", type=_positive, default=10)
    p.add_argument("--as-of", help="ISO-8601 time: what was true then")
    p.add_argument("--json", action="store_true")
    p.add_argument("--speaker", action="append", help="only what this speaker said (repeatable)")
    p.add_argument("--session", action="append", help="only this session (repeatable)")
    p.add_argument("--source-id", action="append", help="only these messages (repeatable)")
    p.add_argument("--kind", action="append", choices=["unit", "episode", "summary"])
    for edge in ("said-after", "said-before", "valid-after", "valid-before"):
        p.add_argument(f"--{edge}", help="ISO-8601 time")
    p.add_argument("--history", action="store_true", help="also superseded memories")
    p.add_argument("--no-conflicted", action="store_true", help="leave out conflicted memories")
    p = _command(sub, "ask", "answer a question from memory, with citations", cmd_ask)
    p.add_argument("question")
    p.add_argument("-k", type=_positive, default=10)
    p.add_argument("--as-of", help="ISO-8601 time: answer as memory stood then")
    p.add_argument("--json", action="store_true")
    p = _command(sub, "history", "every version of what memory knows about an entity", cmd_history)
    p.add_argument("entity")
    _command(sub, "stats", "counts of a namespace (or of everything)", cmd_stats)
    _command(sub, "rebuild", "reprocess pending and failed episodes", cmd_rebuild)
    p = _command(sub, "forget", "erase a memory, or a whole namespace, for good", cmd_forget)
    p.add_argument("id", nargs="?", help="an episode, unit, entity or summary id")
    p.add_argument("--all", action="store_true", help="erase everything the namespace holds")
    p = _command(sub, "mcp", "serve memory to agents over MCP (stdio, or --http)", cmd_mcp)
    p.add_argument("--http", action="store_true", help="streamable HTTP on 127.0.0.1 (not stdio)")
    p.add_argument("--port", type=_positive, default=8765, help="HTTP port (default 8765)")
    p = _command(sub, "export", "write a namespace's graph as GraphML or JSON", cmd_export)
    p.add_argument("out")
    p.add_argument("--format", choices=["graphml", "json"], default="graphml")
    bench = sub.add_parser("bench", help="benchmarks against baselines in the same run")
    bench_sub = bench.add_subparsers(dest="benchmark", required=True)
    p = _bench(bench_sub, "locomo", "LoCoMo evidence recall@k vs dense and BM25", cmd_bench_locomo)
    p.add_argument("--data", required=True, help="locomo JSON (list of conversations)")
    p.add_argument("--k", default="5,10,25", help="comma-separated cut-offs")
    p.add_argument("--mode", choices=["zero", "llm"], default="zero")
    p.add_argument("--limit", type=int, help="only the first N conversations")
    p.add_argument(
        "--sessions",
        type=_positive,
        help="only each conversation's first N sessions, and the questions they answer",
    )
    p = _bench(bench_sub, "beam", "BEAM knowledge updates and contradictions", cmd_bench_beam)
    p.add_argument("--data", required=True, help="folder of chats (<chat>/chat.json, ...)")
    p.add_argument("--k", type=int, default=10, help="cut-off")
    p.add_argument("--mode", choices=["zero", "llm"], default="zero")
    p.add_argument("--limit", type=int, help="only the first N chats")
    p.add_argument(
        "--categories",
        help="only these probing-question categories, comma-separated "
        "(e.g. knowledge_update,contradiction_resolution)",
    )
    p.add_argument(
        "--batches",
        type=_positive,
        help="only each chat's first N batches, and the questions whose evidence they hold",
    )
    p = _bench(
        bench_sub, "multihop", "HippoRAG passage Recall@k vs dense and BM25", cmd_bench_multihop
    )
    p.add_argument("--data", required=True, help="folder with <name>_train(_corpus).json")
    p.add_argument("--k", default="2,5", help="comma-separated cut-offs")
    p.add_argument("--limit", type=int, help="only the first N questions")
    p = _bench(
        bench_sub,
        "scale",
        "ingest, search, PPR time, memory and disk at sizes",
        cmd_bench_scale,
        split=False,
    )
    p.add_argument("--units", default="10000,100000", help="comma-separated sizes")
    p.add_argument("--queries", type=int, default=200, help="searches timed per size")
    p.add_argument(
        "--keep",
        help="keep each size's embedded store in KEEP/<size> and search it again on later runs "
        "instead of ingesting (ingest is timed only when it runs)",
    )
    return parser


def _command(sub, name: str, help: str, run) -> argparse.ArgumentParser:
    """A subcommand on a store; ``--namespace`` is taken after it too."""
    p = sub.add_parser(name, help=help)
    p.add_argument("--namespace", "-n", default=argparse.SUPPRESS, help="tenant namespace")
    p.set_defaults(run=run)
    return p


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def _bench(sub, name: str, help: str, run, split: bool = True) -> argparse.ArgumentParser:
    """A ``bench`` subcommand: it opens no store of its own and can write its report as JSON."""
    p = sub.add_parser(name, help=help)
    p.add_argument("--json", help="also write the report to this file")
    if split:
        p.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="SECTION.FIELD=VALUE",
            help="run with a setting changed (e.g. retrieval.next_hops=0): an ablation",
        )
        p.add_argument(
            "--split",
            choices=SPLITS,
            default="all",
            help="tune: the first half of the conversations, chats or questions (rounded up); "
            "validate: the rest; all (default)",
        )
    p.set_defaults(run=run, standalone=True)
    return p


def _bench_config(args: argparse.Namespace) -> Config:
    return with_settings(Config(), args.set)


def _embedder(args: argparse.Namespace, default: str | None = None):
    choice = args.embedder or default
    return make_embedder(choice) if choice else default_embedder()


def _llm(args: argparse.Namespace):
    from .llm.openai import OpenAICompatibleLLM

    return OpenAICompatibleLLM()


def _neo4j_opener(args: argparse.Namespace) -> Callable[..., Memory] | None:
    """Opens Memory on the ``--uri`` Neo4j server (None without ``--uri``)."""
    if not args.uri:
        return None
    password = os.environ.get("GRAPHMEM_NEO4J_PASSWORD") or os.environ.get("NEO4J_PASSWORD")
    auth = (args.user, password) if password else None
    return partial(Memory.from_uri, args.uri, auth=auth)


def _open(args: argparse.Namespace) -> Memory:
    embedder = _embedder(args)
    llm = _llm(args) if args.llm else None
    progress = False if args.quiet else None
    if (neo4j := _neo4j_opener(args)) is not None:
        return neo4j(embedder=embedder, llm=llm, progress=progress)
    return Memory(path=args.path, embedder=embedder, llm=llm, progress=progress)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.namespace_given = args.namespace is not None
    args.namespace = args.namespace or "default"
    try:
        if getattr(args, "standalone", False):  # benchmarks open their own stores
            args.run(None, args)
        else:
            with _open(args) as mem:
                args.run(mem, args)
    except GraphmemError as exc:
        print(f"graphmem: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("graphmem: interrupted (everything already stored is kept)", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `graphmem stats | head`: the reader left; say nothing
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    return 0


if __name__ == "__main__":
    sys.exit(main())
