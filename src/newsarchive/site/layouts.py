"""Kinhtedothi's page templates as data: one `Layout` per template, plus the generic cues.

Each layout is one self-contained declaration: its era, its article URL form, its selectors,
caption attributes, ads. A layout derived from another is `derive(OLD, name=..., changed
selectors)`; a new template is one new declaration here (and a fixture with its expected record
under `fixtures/site/`, which the tests demand of every layout in `LAYOUTS`).

Selectors are tried in order; each field falls back to the page's metadata and to `GENERIC`
when the layout's own selectors find nothing, and a page no layout's body selector matches is
read by the generic reader alone (`layout` "generic").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Layout:
    name: str
    era: str = ""  # when the site used it, as far as is known (documentation)
    url_form: str = ""  # regex of its article paths; `(?P<id>...)` captures the site id
    body: tuple[str, ...] = ()  # the article body container; its match names the layout
    title: tuple[str, ...] = ()
    sapo: tuple[str, ...] = ()
    date: tuple[str, ...] = ()
    author: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()  # links
    breadcrumb: tuple[str, ...] = ()  # links, or the active item
    image_block: tuple[str, ...] = ()  # an image with its caption, inside the body
    caption: tuple[str, ...] = ()  # inside an image block
    caption_attrs: tuple[str, ...] = ()  # attributes of an `img` holding its caption
    inline_related: tuple[str, ...] = ()  # a related box inside the body
    noise: tuple[str, ...] = ()  # removed from the body before reading it
    # The generic reader's structural cues (GENERIC only).
    logo: tuple[str, ...] = ()  # an h1 in here names the site, not the article
    teasers: tuple[str, ...] = ()  # teaser lists: no field of the article is read in them
    # Never the article body: chrome, asides, comments, widgets. Only what never wraps a body:
    # some templates call their main column "sidebar-1".
    not_body: tuple[str, ...] = ()
    body_cues: tuple[str, ...] = ()  # class or id words that suggest the body
    not_body_cues: tuple[str, ...] = ()  # class or id words that suggest anything else


def derive(base: Layout, **changes: Any) -> Layout:
    """A layout that differs from `base` in the selectors given (a new `name` at least)."""
    return replace(base, **changes)


A = Layout(
    name="A",
    era="up to about November 2021",
    url_form=r"^/(?P<slug>[a-z0-9-]+)-(?P<id>\d{6,})\.html$",
    body=("div#cotent_detail",),  # sic: the site's spelling
    title=("h1.title_detail_news",),
    sapo=("div.sapo_detail",),
    date=("div.time_detail_news",),
    author=("span.name_author",),
    tags=("div.tag_detail a",),
    breadcrumb=(".breadcump a",),
    image_block=("table.picture", "div.box_img_detail"),
    caption=("td.caption", "span.note_images"),
    caption_attrs=("title-image",),  # 2019-2020 pages
    noise=("#AdAsia", "a.icon_zoom_images", ".box_guests"),
)
B = Layout(
    name="B",
    era="about December 2021 to March 2025",
    url_form=r"^/(?P<slug>[a-z0-9-]+)\.html$",
    body=('div[itemprop="articleBody"]',),
    author=("span.detail__author",),
)
C = Layout(
    name="C",
    era="about April 2025 on",
    url_form=r"^/(?P<slug>[a-z0-9-]+)\.(?P<id>\d{5,})\.html$",
    body=("#article-detail",),
    title=("h1.article-title",),
    sapo=("#article-brief",),
    date=("div.article-published-on",),
    noise=(".top-banner-mobile",),
)

# Checked in this order; the first whose body selector matches reads the page.
LAYOUTS: tuple[Layout, ...] = (A, C, B)

# What news templates share; used for every field a layout does not know, and for unknown
# layouts (then `layout` is "generic").
GENERIC = Layout(
    name="generic",
    # The body as the page marks it; where it does not, the block holding most of the page's
    # prose (parse/structure.py), with `body_cues` and `not_body` below as nudges and fences.
    body=('[itemprop="articleBody"]',),
    title=('[itemprop="headline"]', "article h1", "h1"),
    sapo=(
        '[itemprop="description"]',
        "[class*=sapo]",
        "[id*=sapo]",
        "[class*=summary]",
        "[class*=lead]",
        "[class*=brief]",
        "[id*=brief]",
        "[class*=desc]",
        "[class*=excerpt i]",
        "[class*=chapeau i]",
        "[class*=standfirst i]",
        "[class*=tomtat i], [class*=tom-tat i]",  # "tóm tắt"
        "h1 + h2",  # a lead set as a subtitle right under the headline
    ),
    date=(
        '[itemprop="datePublished"]',
        "time[datetime]",
        "time",
        "[class*=publish]",
        "[class*=time]",
        "[class*=date]",
    ),
    author=(
        '[itemprop="author"] [itemprop="name"]',
        '[itemprop="author"]',
        "[class*=author]",
        "[class*=byline]",
        'a[rel="author"]',
        "[data-testid*=byline i], [data-component*=byline i]",
        "[class*=tacgia i], [class*=tac-gia i], [class*=tac_gia i]",  # "tác giả"
    ),
    tags=(
        "[class*=tag] a",
        "[class*=keyword] a",
        'a[rel="tag"]',
        "[data-component*=tag i] a, [data-testid*=tag i] a",
        "[class*=tukhoa i] a, [class*=tu-khoa i] a",  # "từ khóa"
    ),
    breadcrumb=(
        "[class*=breadcrumb] a, [class*=breadcrumb] .active, [class*=breadcrumb] [aria-current]",
        "[class*=breadcump] a",
        '[itemtype*="BreadcrumbList"] a',
        "[class*=bread-crumb i] a, nav[aria-label*=breadcrumb i] a, [class*=breadcrumb i] a",
    ),
    # Lower-case class words, and the capitalised forms templates write (`PhotoCMS_Caption`):
    # a case-insensitive match costs half again as much on every element of the body.
    image_block=(
        "figure",
        "table.picture",
        "table.image",
        "[class*=box_img]",
        "[class*=image-box]",
        "[class*=img-box]",
        "[class*=photo], [class*=Photo]",
        "[class*=wp-caption]",
        "[class*=wp-block-image]",
        "div[class*=image], div[class*=Image]",
        "div[class*=img]",
        "div[class*=picture]",
        "div[class*=media]",
        "div[type=Photo]",
        "table[class*=image], table[class*=img], table[class*=pic]",
    ),
    caption=(
        "figcaption",
        "[class*=caption], [class*=Caption]",
        "[class*=chu-thich], [class*=chuthich]",
        "[class*=note]",
        "[class*=desc]",
        "td + td",
        "tr + tr td",
    ),
    inline_related=(
        "[class*=related]",
        "[class*=relate]",
        "[class*=lien-quan]",
        "[class*=lienquan]",
        "[class*=box-news]",
        "[class*=xem-them]",
        "[class*=readmore]",
        "[class*=read-more]",
    ),
    logo=("[class*=logo i]", "[class*=brand i]"),
    teasers=("aside", "[class*=story]", "[class*=sidebar i]", "[class*=teaser i]"),
    not_body=(
        "nav",
        "footer",
        "aside",
        "[role=navigation]",
        "[role=complementary]",
        "[class*=menu i]",
        "[class*=footer i]",
        "[class*=comment i]",
        "[id*=comment i]",
        "[class*=related i]",
        "[class*=relate i]",
        "[class*=breadcrumb i]",
        "[class*=share i]",
        "[class*=social i]",
    ),
    body_cues=(
        "articlebody",
        "article-body",
        "article__body",
        "article-content",
        "article__content",
        "entry-content",
        "post-content",
        "content",
        "detail",
        "body",
        "text",
        "noidung",
        "chitiet",
        "fck",
    ),
    not_body_cues=(
        "comment",
        "sidebar",
        "footer",
        "related",
        "widget",
        "share",
        "social",
        "menu",
        "nav",
        "promo",
        "banner",
        "teaser",
        "list",
        "tag",
        "meta",
    ),
    noise=(
        "script",
        "style",
        "noscript",
        "iframe",
        "ins",
        "form",
        "button",
        "svg",
        "video",
        "audio",
        "object",
        "embed",
        "template",
        "[id^=adv]",
        "[id^=ads]",
        "[class^=adv]",
        "[class*=banner]",
        "[class*=advert]",
        "[class*=ads-]",
        "[class*=social]",
        "[class*=share]",
        "[class*=comment]",
    ),
)

# Class words of the parts of a byline box that name nobody.
BYLINE_EXTRAS: tuple[str, ...] = ("share", "avatar", "time", "date", "social", "follow", "email")

# A box of tag links, as the generic `tags` selectors find them.
TAG_BOXES = "[class*=tag i], [class*=keyword i]"

# Where a page without an `h1` may show the headline that its metadata names.
GENERIC_TITLE_ELSEWHERE = "h2, h3, [class*=title i], [class*=headline i]"

# Lists outside the body, by their heading (case-insensitive, trailing colon ignored).
RELATED_LABELS: dict[str, str] = {
    "tin liên quan": "related",
    "bài liên quan": "related",
    "xem thêm": "related",
    "đọc thêm": "related",
    "đừng bỏ lỡ": "related",
    "tin cùng chuyên mục": "related",
    "cùng chuyên mục": "related",
    "tin mới": "latest",
    "tin mới nhất": "latest",
    "mới nhất": "latest",
    "đọc nhiều": "most_read",
    "xem nhiều": "most_read",
    "đọc nhiều nhất": "most_read",
}
SPONSORED_LABELS: frozenset[str] = frozenset({"tin tài trợ", "nội dung tài trợ", "quảng cáo"})
# An unlabelled box outside the body whose class says this is related.
RELATED_BOX_CLASSES: tuple[str, ...] = (
    "[class*=related]",
    "[class*=relate]",
    "[class*=lien-quan]",
    "[class*=lienquan]",
)
# Labels that open an inline related box inside the body ("Xem thêm: <links>").
INLINE_RELATED_LABELS: tuple[str, ...] = (
    "xem thêm",
    "đọc thêm",
    "tin liên quan",
    "bài liên quan",
    "liên quan",
)
# Where site chrome lives: links here are never related articles.
CHROME: tuple[str, ...] = ("nav", "[class*=menu]")
# Headers and footers are chrome only as the page's own: inside the article they hold its
# title, byline and tags.
PAGE_CHROME = "header, footer"
ARTICLE_REGION = frozenset({"article", "main"})  # tags

# Breadcrumb items that are not sections.
HOME_LABELS: frozenset[str] = frozenset({"trang chủ", "home", "kinh tế & đô thị", "kinhtedothi"})

# The paper itself: never a person.
PUBLISHER_NAMES: frozenset[str] = frozenset(
    {
        "kinh tế & đô thị",
        "kinh tế và đô thị",
        "báo kinh tế & đô thị",
        "báo kinh tế và đô thị",
        "kinhtedothi",
        "kinhtedothi.vn",
        "ktđt",
    }
)
# The brand dateline that opens a sapo: "Kinhtedothi - ", "KTĐT:", "Kinh tế & Đô thị –".
DATELINE = r"^\s*(kinhtedothi|ktđt|kinh tế\s*&\s*đô thị)\s*[-–—:]\s*"
# Role labels before a byline's names.
AUTHOR_ROLES = r"^\s*(bài và ảnh|bài, ảnh|bài/ảnh|bài|ảnh|tác giả|nhóm phóng viên|pv)\s*:\s*"
# Closing credits that name a source, not a person: they stay in the body.
CREDIT_PREFIXES: tuple[str, ...] = ("theo ", "nguồn", "(t/h", "t/h", "(theo")

# Pages that are not articles, by what they say.
NOT_FOUND_TEXTS: tuple[str, ...] = (
    "không tìm thấy trang",
    "trang bạn tìm kiếm không tồn tại",
    "page not found",
    "404",
)
CHALLENGE_TEXTS: tuple[str, ...] = (
    "just a moment...",
    "checking your browser",
    "attention required!",
    "verify you are human",
    "captcha",
    "cf-challenge",
    "ddos protection",
)
# A lazy image's placeholder address, not its own.
LAZY_PLACEHOLDER = r"^data:|blank\.(gif|png)|placeholder|lazy[-_]?load|spacer\.gif"
# The site's name after a metadata title: "... - Báo Kinh tế & Đô thị".
TITLE_SUFFIX = r"\s+[-|–]\s+[^-|–]*(kinh tế|kinhtedothi)[^-|–]*$"
# Lazy images keep their real address in one of these.
LAZY_IMAGE_ATTRS: tuple[str, ...] = (
    "data-src",
    "data-original",
    "data-lazy-src",
    "data-lazy",
    "data-srcset",
    "src",
)
