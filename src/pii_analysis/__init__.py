"""pii-analysis: scoring, rank drivers and 2030 feasibility for Vietnam's Provincial Innovation Index."""
from __future__ import annotations

__version__ = "0.1.0"

from .errors import PiiInputError
from .framework import Framework, load_framework
from .method import Method, load_method

__all__ = ["PiiInputError", "Framework", "load_framework", "Method", "load_method", "__version__"]
