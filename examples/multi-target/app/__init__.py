"""A small inventory service: stdlib http.server plus the lab's packages."""

__version__ = "1.2.0"
