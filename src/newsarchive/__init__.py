"""newsarchive: archive kinhtedothi.vn completely and faithfully.

The Python API: `parse_article(html, url)` returns the ARTICLE.md record as an `Article`
(`.to_dict()` gives its JSON form) and raises `NotAnArticle` (with `.kind`) for other pages.
"""

from .parse import PARSER_VERSION, NotAnArticle, parse_article
from .record import Article, Image, Related

__version__ = "0.1.0"

__all__ = [
    "PARSER_VERSION",
    "Article",
    "Image",
    "NotAnArticle",
    "Related",
    "__version__",
    "parse_article",
]
