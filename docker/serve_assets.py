"""Serve this folder (the Browser style and guide) to Neo4j Browser, which fetches them
cross-origin: plain ``http.server`` answers the browser's CORS preflight with 501, so
``:style`` and ``:play`` fail.

    python docker/serve_assets.py [PORT] [--bind ADDRESS]
"""

from __future__ import annotations

import argparse
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class AssetHandler(SimpleHTTPRequestHandler):
    """Files of one folder, readable from any origin."""

    def end_headers(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Headers", "*")
        super().end_headers()

    def do_OPTIONS(self) -> None:
        self.send_response(204)
        self.end_headers()


def serve(port: int, bind: str = "127.0.0.1") -> ThreadingHTTPServer:
    """A server for this folder on ``bind:port`` (port 0: a free one); call serve_forever()."""
    handler = partial(AssetHandler, directory=str(Path(__file__).parent))
    return ThreadingHTTPServer((bind, port), handler)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("port", type=int, nargs="?", default=8001)
    parser.add_argument("--bind", default="127.0.0.1")
    args = parser.parse_args()
    serve(args.port, args.bind).serve_forever()
