"""bpcalc: backpropagation worked step by step, the way a student writes it by hand."""

__version__ = "0.1.0"

from bpcalc.errors import BpcalcError, ProblemError

__all__ = ["BpcalcError", "ProblemError", "__version__"]
