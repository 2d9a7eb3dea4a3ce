"""The Python client: ``Memory`` (sync) and ``AsyncMemory`` (async twin over the same core)."""

from __future__ import annotations

import asyncio
import copy
import hashlib
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from .agents.constructor import Constructor
from .agents.judge import Judge
from .agents.refresher import Refresher
from .config import Config
from .decisions import rules
from .decisions.base import Decisions
from .decisions.by_speaker import BySpeaker, speakers_set, spoken_by
from .decisions.zero import ZeroLLM
from .embed import Embedder, default_embedder
from .erasure import Eraser
from .errors import InvalidInputError, NotFoundError, StoreClosedError
from .llm.base import LLM, Usage
from .models import Answer, Episode, Erasure, Hit, Ingested, Stats, Unit
from .retrieval.filters import SearchFilter
from .retrieval.search import Retriever
from .store.base import Batch, GraphStore
from .store.sqlite import SQLiteStore
from .text import canonical, check_label, check_text, sentences
from .timeutil import TimeLike, to_datetime
from .tracing import span

_NAMESPACE = re.compile(r"[^\x00-\x1f\x7f]{1,256}")


def check_namespace(namespace: object) -> str:
    """Return ``namespace`` if it is a usable tenant id; raise ``InvalidInputError`` otherwise."""
    if (
        not isinstance(namespace, str)
        or not _NAMESPACE.fullmatch(namespace)
        or not namespace.strip()
        or check_label(namespace, "namespace") is None
    ):
        raise InvalidInputError(f"namespace must be 1-256 printable characters, got {namespace!r}")
    return namespace


def check_k(k: object) -> int:
    """Return ``k`` if it is a usable number of results; raise ``InvalidInputError`` otherwise."""
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= 10_000:
        raise InvalidInputError(f"k must be an integer from 1 to 10,000, got {k!r}")
    return k


class Memory:
    """Long-term memory for agents: episodes in, ranked and temporal evidence out.

    ``Memory()`` opens the embedded store in ``./.graphmem``; ``Memory(path=...)`` another folder;
    ``Memory.from_uri("neo4j://...")`` a Neo4j server. Every agent decision is taken by
    deterministic rules unless ``llm`` (e.g. ``OpenAICompatibleLLM()``) is given.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        store: GraphStore | None = None,
        embedder: Embedder | None = None,
        llm: LLM | None = None,
        decisions: Decisions | None = None,
        config: Config | None = None,
        progress: bool | None = None,
    ) -> None:
        self.config = copy.deepcopy(config) if config is not None else Config()  # not theirs
        if path is not None:
            self.config.path = Path(path)
        self.progress = progress
        """Progress bars on stderr for work of several batches (None: on a terminal only)."""
        self.llm = llm
        if decisions is None and llm is not None:
            from .decisions.prompted import PromptedDecisions

            decisions = PromptedDecisions(
                llm, self.config.constructor.llm_batch_size, self.config.rules.denials
            )
            if speakers := tuple(self.config.constructor.rules_speakers):
                decisions = BySpeaker(decisions, ZeroLLM(self.config.rules), speakers)
        self.decisions: Decisions = decisions or ZeroLLM(self.config.rules)
        self.store: GraphStore = store if store is not None else SQLiteStore(self.config.path)
        self.embedder = embedder or default_embedder()
        self.constructor = Constructor(
            self.store, self.embedder, self.decisions, self.config.constructor
        )
        self.retriever = Retriever(self.store, self.embedder, self.config.retrieval)
        self.judge = Judge(
            self.store,
            self.decisions,
            self.config.rules,
            self.config.retrieval.assistant_speakers,
        )
        self.refresher = Refresher(self.store)
        self.eraser = Eraser(self.store, self.constructor)
        self._graphs: tuple[Any, Any] | None = None
        self._closed = False

    @classmethod
    def from_uri(
        cls,
        uri: str,
        auth: tuple[str, str] | None = None,
        database: str | None = None,
        **kwargs: Any,
    ) -> Memory:
        """Memory on a Neo4j server (``neo4j://``, ``neo4j+s://``, ``bolt://``...)."""
        from .store.neo4j import Neo4jStore

        return cls(store=Neo4jStore(uri, auth=auth, database=database), **kwargs)

    # -- lifecycle ----------------------------------------------------------------------------
    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.store.close()

    def __enter__(self) -> Memory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_open(self) -> None:
        if self._closed:
            raise StoreClosedError("this Memory is closed")

    # -- write path ---------------------------------------------------------------------------
    def add(
        self,
        text: str,
        namespace: str = "default",
        at: TimeLike = None,
        speaker: str | None = None,
        session: str | None = None,
        source_id: str | None = None,
        source: str = "message",
    ) -> Episode:
        """Store one episode (committed before anything is derived from it), then process it."""
        return self.add_messages(
            [
                {
                    "text": text,
                    "at": at,
                    "speaker": speaker,
                    "session": session,
                    "source_id": source_id,
                    "source": source,
                }
            ],
            namespace=namespace,
        )[0]

    def add_messages(
        self,
        messages: Iterable[Mapping[str, Any]],
        namespace: str = "default",
        session: str | None = None,
    ) -> list[Episode]:
        """Store many messages (dicts with ``text`` and optional ``speaker``, ``at``,
        ``session``, ``source_id``) in one transaction, then process them in batches.

        All messages are checked first: one bad message rejects the call and stores nothing. A
        message whose ``source_id`` the namespace already holds is not stored again: its stored
        episode is returned in its place (so a re-run of an interrupted import completes it).
        """
        return self.ingest(messages, namespace, session).episodes

    def ingest(
        self,
        messages: Iterable[Mapping[str, Any]],
        namespace: str = "default",
        session: str | None = None,
    ) -> Ingested:
        """``add_messages``, telling which messages were new and which repeats."""
        with span("graphmem.add", self._usage_totals, namespace=namespace) as current:
            ingested = self.store_messages(messages, namespace, session)
            self._process(namespace, ingested.new)
            if current is not None:
                current.set_attribute("graphmem.messages", len(ingested.episodes))
                current.set_attribute("graphmem.stored", len(ingested.new))
                current.set_attribute("graphmem.skipped", ingested.skipped)
            return ingested

    def store_messages(
        self,
        messages: Iterable[Mapping[str, Any]],
        namespace: str = "default",
        session: str | None = None,
    ) -> Ingested:
        """Check and store messages as ``pending`` episodes (one transaction), unprocessed."""
        self._check_open()
        episodes = self.check_messages(messages, namespace, session)
        self.constructor.guard.check(namespace)
        if not episodes:
            return Ingested(episodes=[], new=[])
        repeats = self.store.write(Batch(namespace, episodes=episodes))
        held = {e.id: e for e in self.store.get_episodes(namespace, sorted(set(repeats.values())))}
        held |= {ep.id: ep for ep in episodes if ep.id not in repeats}
        return Ingested(
            episodes=[held[repeats.get(ep.id, ep.id)] for ep in episodes],
            new=[ep for ep in episodes if ep.id not in repeats],
        )

    def check_messages(
        self,
        messages: Iterable[Mapping[str, Any]],
        namespace: str = "default",
        session: str | None = None,
    ) -> list[Episode]:
        """The episodes ``messages`` would be stored as, storing nothing; ``InvalidInputError``
        names the first bad message by its position."""
        check_namespace(namespace)
        check_label(session, "session")
        episodes = []
        for position, message in enumerate(messages):
            try:
                episodes.append(self._episode(message, namespace, session))
            except InvalidInputError as exc:
                raise InvalidInputError(f"message {position}: {exc}", position, str(exc)) from None
        return episodes

    def add_document(
        self,
        text: str,
        namespace: str = "default",
        at: TimeLike = None,
        source_id: str | None = None,
        chunk_chars: int | None = None,
    ) -> list[Episode]:
        """Store a long text as consecutive chunk episodes (one session), sentence-aligned.
        Chunk ``i`` gets the source id ``<source_id>#i`` (by default from the text's hash), so
        adding the same document again stores nothing twice."""
        check_text(text)
        size = chunk_chars or self.config.constructor.document_chunk_chars
        chunks: list[str] = []
        current = ""
        for sentence in sentences(text):
            while len(sentence) > size:  # one giant "sentence": cut it
                chunks.append(sentence[:size])
                sentence = sentence[size:]
            if current and len(current) + len(sentence) + 1 > size:
                chunks.append(current)
                current = ""
            current = f"{current} {sentence}".strip()
        if current:
            chunks.append(current)
        doc = source_id or f"doc-{hashlib.sha256(text.encode()).hexdigest()[:16]}"  # idempotent
        return self.add_messages(
            [
                {"text": c, "at": at, "source": "document", "source_id": f"{doc}#{i}"}
                for i, c in enumerate(chunks)
            ],
            namespace=namespace,
            session=doc,
        )

    def _episode(self, message: Mapping[str, Any], namespace: str, session: str | None) -> Episode:
        if not isinstance(message, Mapping):
            raise InvalidInputError(f"not a mapping: {message!r:.80}")
        text = message.get("text", message.get("content"))
        check_text(text, "text", self.config.constructor.max_episode_chars)
        now = datetime.now(UTC)
        speaker = check_label(message.get("speaker") or message.get("role"), "speaker")
        source_id = check_label(message.get("source_id", message.get("dia_id")), "source_id")
        return Episode(
            namespace=namespace,
            content=text,
            source=check_label(message.get("source"), "source") or "message",
            speaker=speaker,
            session=check_label(message.get("session"), "session") or session,
            source_id=source_id,
            occurred_at=to_datetime(message.get("at")) or now,
            recorded_at=now,
            expires_at=to_datetime(message.get("expires_at")),
        )

    def _process(self, namespace: str, episodes: list[Episode]) -> None:
        """Run the write graph over stored episodes, batch by batch; a batch that fails stays
        stored, marked failed with the reason, for ``rebuild()``. When a model decides, a batch
        is what one extraction call reads, so one unusable reply fails no more than that."""
        write, _ = self.as_subgraphs()
        parts = list(self._write_batches(episodes))
        quiet = True if len(parts) == 1 else {True: False, None: None}.get(self.progress, True)
        with tqdm(
            total=len(episodes), desc="memory", unit="msg", disable=quiet, file=sys.stderr
        ) as bar:
            for part in parts:
                write.invoke({"namespace": namespace, "episodes": part})
                bar.update(len(part))

    def _write_batches(self, episodes: list[Episode]) -> Iterator[list[Episode]]:
        """``batch_size`` episodes at a time; when a model decides, as many as hold
        ``llm_batch_size`` episodes that it reads (not ``rules_speakers``'), at most
        ``batch_size``."""
        c = self.config.constructor
        by_rules = isinstance(self.decisions, ZeroLLM)
        per_call = c.batch_size if by_rules else c.llm_batch_size
        ruled = frozenset() if by_rules else speakers_set(c.rules_speakers)
        part: list[Episode] = []
        read = 0
        for ep in episodes:
            part.append(ep)
            read += not spoken_by(ep, ruled)
            if read == per_call or len(part) == c.batch_size:
                yield part
                part, read = [], 0
        if part:
            yield part

    def rebuild(self, namespace: str = "default") -> int:
        """Process the namespace's pending and failed episodes again; return how many."""
        self._check_open()
        check_namespace(namespace)
        done = 0
        while batch := self.store.episodes_by_status(namespace, ["pending", "failed"], 1000):
            self._process(namespace, batch)
            done += len(batch)
            if all(ep.status == "failed" for ep in batch):
                break
        return done

    # -- read path ----------------------------------------------------------------------------
    def search(
        self,
        query: str,
        namespace: str = "default",
        k: int = 10,
        as_of: TimeLike = None,
        filters: SearchFilter | Mapping[str, Any] | None = None,
    ) -> list[Hit]:
        """The ``k`` most relevant memories, best first, among those ``filters`` admits (a
        ``SearchFilter`` or a dict of its fields: speakers, sessions, source_ids, kinds,
        said_after/before, valid_after/before, include_superseded, include_conflicted). An
        unknown namespace holds nothing."""
        self._check_open()
        check_namespace(namespace)
        check_text(query, "query", self.config.constructor.max_episode_chars)
        check_k(k)
        chosen = SearchFilter.of(filters)
        route = rules.route(query, datetime.now(UTC))  # rules: search costs no model call
        with span("graphmem.search", namespace=namespace, k=k) as current:
            hits = self.retriever.search(namespace, query, k, to_datetime(as_of), route, chosen)
            if current is not None:
                current.set_attribute("graphmem.hits", len(hits))
            return hits

    def ask(
        self, question: str, namespace: str = "default", k: int = 10, as_of: TimeLike = None
    ) -> Answer:
        """Answer from memory alone, citing unit/episode ids; "Not in memory." when the Judge
        finds the evidence insufficient after its retrieval rounds."""
        self._check_open()
        check_namespace(namespace)
        check_text(question, "question", self.config.constructor.max_episode_chars)
        check_k(k)
        _, read = self.as_subgraphs()
        with span("graphmem.ask", self._usage_totals, namespace=namespace, k=k) as current:
            state = read.invoke(
                {"query": question, "namespace": namespace, "k": k, "as_of": to_datetime(as_of)}
            )
            answer: Answer = state["answer"]
            if current is not None:
                current.set_attribute("graphmem.sufficient", answer.sufficient)
                current.set_attribute("graphmem.rounds", answer.rounds)
                current.set_attribute("graphmem.evidence", len(answer.evidence))
            return answer

    def as_subgraphs(self) -> tuple[Any, Any]:
        """The compiled LangGraph write and read graphs (see ``graphmem.graphs`` for their
        state), ready to be added as nodes of your own ``StateGraph``."""
        if self._graphs is None:
            from .graphs import build_read_graph, build_write_graph

            self._graphs = (build_write_graph(self), build_read_graph(self))
        return self._graphs

    def as_store(self, ttl: Mapping[str, Any] | None = None) -> Any:
        """This memory as a LangGraph ``BaseStore`` (``compile(store=mem.as_store())``); ``ttl``
        is LangGraph's ``TTLConfig`` (``default_ttl``, ``refresh_on_read``, ...)."""
        from .langgraph_store import GraphmemStore

        return GraphmemStore(self, dict(ttl) if ttl is not None else None)  # type: ignore[arg-type]

    def as_tools(self, namespace: str = "default") -> list[Any]:
        """LangChain tools ``remember``, ``recall`` and ``forget`` on this memory, inside
        ``namespace``, for a tool-calling agent (``model.bind_tools(mem.as_tools("alice"))``)."""
        from .agent_tools import memory_tools

        return memory_tools(self, check_namespace(namespace))

    @property
    def usage(self) -> Usage:
        """LLM calls and tokens per operation (empty in zero-LLM mode)."""
        return self.llm.usage if self.llm is not None else Usage()

    def _usage_totals(self) -> tuple[int, int]:
        return self.usage.totals()

    def history(self, entity: str, namespace: str = "default") -> list[Unit]:
        """Every unit about ``entity`` (name, alias or id), all versions, oldest first."""
        self._check_open()
        check_namespace(namespace)
        check_text(entity, "entity")
        found = self.store.get_entities(namespace, [entity]) or self.store.find_entities(
            namespace, [canonical(entity)]
        )
        if not found:
            raise NotFoundError(f"no entity {entity!r} in namespace {namespace!r}")
        units = {u.id: u for ent in found for u in self.store.units_of_entity(namespace, ent.id)}
        epoch = datetime.min.replace(tzinfo=UTC)
        return sorted(units.values(), key=lambda u: (u.valid_from or epoch, u.recorded_at))

    def get(self, episode_id: str, namespace: str = "default") -> Episode:
        """One episode by id."""
        self._check_open()
        found = self.store.get_episodes(check_namespace(namespace), [episode_id])
        if not found:
            raise NotFoundError(f"no episode {episode_id!r} in namespace {namespace!r}")
        return found[0]

    def forget(self, node_id: str, namespace: str = "default") -> Erasure:
        """Erase an episode, unit, entity or summary for good (an audit record keeps only the
        id). Forgetting an episode also erases the units built from it; the session and topic
        summaries that held any of it are written again from what remains."""
        self._check_open()
        return self.eraser.forget(check_namespace(namespace), node_id)

    def forget_namespace(self, namespace: str) -> Erasure:
        """Erase everything a namespace holds (one tenant: "delete my data")."""
        self._check_open()
        return self.eraser.forget_namespace(check_namespace(namespace))

    def stats(self, namespace: str | None = None) -> Stats:
        """Counts for one namespace, or the whole store."""
        self._check_open()
        return self.store.stats(None if namespace is None else check_namespace(namespace))

    def namespaces(self) -> list[str]:
        self._check_open()
        return self.store.namespaces()


class AsyncMemory:
    """The async twin of :class:`Memory`: the same API, each call run off the event loop."""

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        memory: Memory | None = None,
        store: GraphStore | None = None,
        embedder: Embedder | None = None,
        llm: LLM | None = None,
        decisions: Decisions | None = None,
        config: Config | None = None,
        progress: bool | None = None,
    ) -> None:
        self._memory = memory or Memory(
            path,
            store=store,
            embedder=embedder,
            llm=llm,
            decisions=decisions,
            config=config,
            progress=progress,
        )

    @classmethod
    def from_uri(
        cls,
        uri: str,
        auth: tuple[str, str] | None = None,
        database: str | None = None,
        **kwargs: Any,
    ) -> AsyncMemory:
        """Async memory on a Neo4j server (see :meth:`Memory.from_uri`)."""
        return cls(memory=Memory.from_uri(uri, auth=auth, database=database, **kwargs))

    @property
    def sync(self) -> Memory:
        """The synchronous client underneath."""
        return self._memory

    async def add(
        self,
        text: str,
        namespace: str = "default",
        at: TimeLike = None,
        speaker: str | None = None,
        session: str | None = None,
        source_id: str | None = None,
        source: str = "message",
    ) -> Episode:
        return await asyncio.to_thread(
            self._memory.add, text, namespace, at, speaker, session, source_id, source
        )

    async def add_messages(
        self,
        messages: Iterable[Mapping[str, Any]],
        namespace: str = "default",
        session: str | None = None,
    ) -> list[Episode]:
        return await asyncio.to_thread(
            self._memory.add_messages, list(messages), namespace, session
        )

    async def ingest(
        self,
        messages: Iterable[Mapping[str, Any]],
        namespace: str = "default",
        session: str | None = None,
    ) -> Ingested:
        return await asyncio.to_thread(self._memory.ingest, list(messages), namespace, session)

    async def add_document(
        self,
        text: str,
        namespace: str = "default",
        at: TimeLike = None,
        source_id: str | None = None,
        chunk_chars: int | None = None,
    ) -> list[Episode]:
        return await asyncio.to_thread(
            self._memory.add_document, text, namespace, at, source_id, chunk_chars
        )

    async def search(
        self,
        query: str,
        namespace: str = "default",
        k: int = 10,
        as_of: TimeLike = None,
        filters: SearchFilter | Mapping[str, Any] | None = None,
    ) -> list[Hit]:
        return await asyncio.to_thread(self._memory.search, query, namespace, k, as_of, filters)

    async def ask(
        self, question: str, namespace: str = "default", k: int = 10, as_of: TimeLike = None
    ) -> Answer:
        return await asyncio.to_thread(self._memory.ask, question, namespace, k, as_of)

    async def history(self, entity: str, namespace: str = "default") -> list[Unit]:
        return await asyncio.to_thread(self._memory.history, entity, namespace)

    async def get(self, episode_id: str, namespace: str = "default") -> Episode:
        return await asyncio.to_thread(self._memory.get, episode_id, namespace)

    async def forget(self, node_id: str, namespace: str = "default") -> Erasure:
        return await asyncio.to_thread(self._memory.forget, node_id, namespace)

    async def forget_namespace(self, namespace: str) -> Erasure:
        return await asyncio.to_thread(self._memory.forget_namespace, namespace)

    async def rebuild(self, namespace: str = "default") -> int:
        return await asyncio.to_thread(self._memory.rebuild, namespace)

    async def stats(self, namespace: str | None = None) -> Stats:
        return await asyncio.to_thread(self._memory.stats, namespace)

    async def namespaces(self) -> list[str]:
        return await asyncio.to_thread(self._memory.namespaces)

    @property
    def usage(self) -> Usage:
        """LLM calls and tokens per operation (empty in zero-LLM mode)."""
        return self._memory.usage

    def as_store(self, ttl: Mapping[str, Any] | None = None) -> Any:
        """This memory as a LangGraph ``BaseStore`` (its ``abatch`` runs off the event loop)."""
        return self._memory.as_store(ttl)

    def as_subgraphs(self) -> tuple[Any, Any]:
        """The compiled write and read graphs (``ainvoke`` them)."""
        return self._memory.as_subgraphs()

    def as_tools(self, namespace: str = "default") -> list[Any]:
        """The memory tools (``ainvoke`` them: they run off the event loop)."""
        return self._memory.as_tools(namespace)

    async def close(self) -> None:
        await asyncio.to_thread(self._memory.close)

    async def __aenter__(self) -> AsyncMemory:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
