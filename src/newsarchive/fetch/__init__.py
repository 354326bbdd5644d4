"""Fetching politely: one HTTP client with robots.txt, per-host pacing, retries, limits.

Knows nothing of HTML or SQL: URLs in, bytes and a named outcome out.
"""

from .fetcher import Fetcher
from .pacing import HostGate, PaceChange, Pressure
from .result import FetchResult, Outcome, Reach

__all__ = ["FetchResult", "Fetcher", "HostGate", "Outcome", "PaceChange", "Pressure", "Reach"]
