"""Citing an archived article as it was held at a time, in the formats researchers paste.

The version held at a time, its fingerprint, and the formats: a styled reference, BibTeX,
CSL-JSON, RIS.
"""

from .cited import Cited, Verdict, cite, fingerprint_parts, verify
from .formats import FORMATS, render

__all__ = ["FORMATS", "Cited", "Verdict", "cite", "fingerprint_parts", "render", "verify"]
