"""bpcalc: backpropagation worked step by step, the way a student writes it by hand.

The Python API (``bpcalc.load_problem``, ``bpcalc.run``, ``bpcalc.derive``, ``bpcalc.check``) lives in
bpcalc.api and is loaded on first use, so ``import bpcalc`` stays light (no SymPy, no rich).
"""

from __future__ import annotations

import sys
import types
from typing import Any

__version__ = "0.1.0"

from bpcalc.errors import BpcalcError, ProblemError

_API = ("load_problem", "run", "RunResult", "DeriveResult", "CheckResult", "SampleValues")

__all__ = ["BpcalcError", "ProblemError", "__version__", "check", "derive", *_API]


_CALLABLE = ("check", "derive")  # API functions that share their name with a module: bpcalc.check, bpcalc.derive


class _CallableModule(types.ModuleType):
    """The module bpcalc.check (or bpcalc.derive), callable as the API's function of that name."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from bpcalc import api

        return getattr(api, self.__name__.rsplit(".", 1)[1])(*args, **kwargs)


class _Package(types.ModuleType):
    """``bpcalc`` itself: when its module bpcalc.check or bpcalc.derive is imported, that module becomes callable."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _CALLABLE and type(value) is types.ModuleType:
            value.__class__ = _CallableModule
        super().__setattr__(name, value)


def __getattr__(name: str) -> Any:
    if name in _API:
        from bpcalc import api

        return getattr(api, name)
    if name in _CALLABLE:
        import importlib

        importlib.import_module(f"{__name__}.{name}")  # importing sets the attribute: the callable module
        return sys.modules[__name__].__dict__[name]
    raise AttributeError(f"module 'bpcalc' has no attribute {name!r}")


sys.modules[__name__].__class__ = _Package
