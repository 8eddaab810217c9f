"""A tiny JSON web service: stdlib http.server plus a few dependencies."""

__version__ = "0.3.0"
