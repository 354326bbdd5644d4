"""Reading a page: bytes + URL → its article record, or "not an article, but a …"."""

from ..errors import NotAnArticle
from .article import PARSER_VERSION, declared_url, parse_article

__all__ = ["PARSER_VERSION", "NotAnArticle", "declared_url", "parse_article"]
