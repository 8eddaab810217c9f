"""Inventory logic, kept free of HTTP so the tests can call it directly."""

import labutils
import labweb

ITEMS = {"apple": 3, "pear": 0, "plum": 12}


def in_stock():
    return sorted(name for name, count in ITEMS.items() if count > 0)


def describe():
    return {"in_stock": in_stock(), "web": labweb.hello(), "utils": labutils.hello()}
