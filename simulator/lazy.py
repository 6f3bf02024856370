"""Lazy re-exports for package ``__init__`` files (PEP 562).

    __getattr__, __dir__ = lazy_exports(__name__, {"evaluate": "simulator.scenario.result"})

A package re-exports names from its modules but imports a module only when one of its names
is first used, so that importing the package (``python -m simulator --help`` registers every
CLI) loads no numpy, pandas or pydantic.
"""

import importlib
import sys


def lazy_exports(package: str, exports: dict):
    """Returns the (__getattr__, __dir__) pair for ``package``, given {name: module path}."""

    def __getattr__(name):
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)  # cached: later lookups skip this hook
        return value

    def __dir__():
        return sorted(set(vars(sys.modules[package])) | set(exports))

    return __getattr__, __dir__
