"""Entry point: `python -m app` serves the routes in app.views on $PORT (default 8000)."""

import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from .views import ROUTES


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        url = urlsplit(self.path)
        view = ROUTES.get(url.path)
        status, body = view(parse_qs(url.query)) if view else (404, {"error": "not found"})
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def main():
    port = int(os.environ.get("PORT", "8000"))
    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    print(f"python-app listening on :{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
