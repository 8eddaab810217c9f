"""Request handlers. Each view returns (status, JSON-serialisable body)."""

import labslow
import labutils
import labweb

from . import __version__


def index(query):
    return 200, {"service": "python-app", "version": __version__}


def health(query):
    return 200, {"ok": True}


def hello(query):
    name = query.get("name", ["world"])[0]
    return 200, {
        "greeting": f"hello, {name}",
        "web": labweb.hello(),
        "utils": labutils.hello(),
        "slow": labslow.hello(),
    }


ROUTES = {"/": index, "/health": health, "/hello": hello}
