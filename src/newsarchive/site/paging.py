"""How the site's listings point to their next page, and where their teasers are not: the cues
`discover` reads a listing by, as data.

SITE.md knows that layout A paged its sections with a `.paging` block whose next page is the link
after the active one (`.paging a.active + a`), that the URL form of that next page is not known,
and that layout C loads more with a "Xem thêm" link. So the next page is the link the page gives,
never a URL built from a guessed pattern; these are what marks that link.
"""

from __future__ import annotations

import re

# A link whose whole text is one of these (lower case, diacritics folded, arrows trimmed) leads to
# the listing's next page. `›` and `»` alone are the arrows of paging blocks.
NEXT_LABELS: frozenset[str] = frozenset(
    {
        "trang sau",
        "trang tiep",
        "trang tiep theo",
        "sau",
        "tiep",
        "tiep theo",
        "next",
        "next page",
        "xem them",
        "xem tiep",
        "›",
        "»",
    }
)
# Trimmed from the ends of a link's text before it is compared with the labels ("Trang sau ›").
LABEL_ARROWS = " ›»>→…"

# A paging block: an element whose class or id holds one of these as a word ("paging",
# "box-paging", "pagination-wrap"; not "homepage-navigation").
PAGING_CUES: tuple[str, ...] = (
    "paging",
    "pagination",
    "pager",
    "phan-trang",
    "phantrang",
    "page-nav",
    "page-navigation",
    "pagenav",
)
# The active page of a paging block: an item with one of these classes (or `aria-current`), or a
# number that is no link among numbered links (`<span>2</span>`, `<strong>2</strong>`).
ACTIVE_CLASSES: frozenset[str] = frozenset({"active", "current", "selected", "is-active"})
UNLINKED_PAGE_TAGS: frozenset[str] = frozenset({"span", "strong", "b", "em"})
# What else says a link in a paging block leads on, when its text is neither a number nor a
# label (an arrow drawn by an icon): its class, rel, title or aria-label.
NEXT_CLASSES: frozenset[str] = frozenset({"next", "next-page", "page-next", "btn-next"})

# The home page's next pages stay at the root: `/?page=2`, `/trang-2.html`, `/page/2/`, `/p2`.
HOME_PAGING_PATH = re.compile(r"/(?:(?:trang|page|p)[-_/]?\d+(?:\.html?)?/?)?", re.IGNORECASE)

# Parts of a page that are no listing content: neither next-page links (outside a paging block)
# nor teasers are read in them. Tags, and words of a class or id.
CHROME_TAGS: frozenset[str] = frozenset({"header", "footer", "nav", "aside"})
CHROME_CUES: tuple[str, ...] = ("menu", "footer", "sidebar", "breadcrumb", "breadcump")

# A teaser's link of no known article form is worth a fetch only if it could be a page: a file
# name of one of these suffixes, or none ("/kinh-te/tin-a812345"). A directory (`/…/`) is a
# listing, never an article.
PAGE_SUFFIXES: tuple[str, ...] = (".html", ".htm", ".shtml", ".php", ".aspx")
