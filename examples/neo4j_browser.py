"""Fill a Neo4j server with a small memory to look at in Neo4j Browser.

    docker compose -f docker/docker-compose.yml up -d
    NEO4J_PASSWORD=graphmem-dev python examples/neo4j_browser.py neo4j://localhost:7687

Then open http://localhost:7474 and run `:play http://localhost:8001/graphmem-guide.html`.
"""

from __future__ import annotations

import os
import sys

from graphmem import Memory


def main(uri: str) -> None:
    auth = ("neo4j", os.environ.get("NEO4J_PASSWORD", "graphmem-dev"))
    with Memory.from_uri(uri, auth=auth) as mem:
        mem.add_messages(
            [
                {
                    "speaker": "Alice",
                    "at": "2024-01-10",
                    "text": "I live in Paris with my cat Pastel.",
                },
                {"speaker": "Alice", "at": "2024-03-02", "text": "I moved to Berlin last week."},
                {
                    "speaker": "Alice",
                    "at": "2024-03-05",
                    "text": "My sister Ana visits Berlin in May.",
                },
            ],
            namespace="alice",
            session="browser-demo",
        )
        for hit in mem.search("Where does Alice live?", namespace="alice", k=3):
            print(f"{hit.score:.3f} {hit.text}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "neo4j://localhost:7687")
