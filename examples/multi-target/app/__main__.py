"""Entry point: `python -m app [--reload]` serves the inventory on $PORT (default 8000)."""

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import __version__
from .inventory import describe


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = {"version": __version__, "env": os.environ.get("APP_ENV", "?"), **describe()}
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def main():
    port = int(os.environ.get("PORT", "8000"))
    mode = " (reload)" if "--reload" in sys.argv else ""
    print(f"inventory listening on :{port}{mode}", flush=True)
    ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()


if __name__ == "__main__":
    main()
