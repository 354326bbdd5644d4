"""Citations of archived articles: the version held at a time, its fingerprint, and the formats
researchers paste (a styled reference, BibTeX, CSL-JSON, RIS)."""

from .cited import Cited, Verdict, cite, fingerprint_parts, verify
from .formats import FORMATS, render

__all__ = ["FORMATS", "Cited", "Verdict", "cite", "fingerprint_parts", "render", "verify"]
