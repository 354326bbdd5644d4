"""Kinhtedothi's page templates as data: one `Layout` per template, plus the generic cues.

A new template is one new `Layout` here (and a fixture with its expected record). Selectors are
tried in order; each field falls back to `GENERIC` when the layout's own selectors find nothing.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Layout:
    name: str
    body: tuple[str, ...] = ()  # the article body container; its match names the layout
    title: tuple[str, ...] = ()
    sapo: tuple[str, ...] = ()
    date: tuple[str, ...] = ()
    author: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()  # links
    breadcrumb: tuple[str, ...] = ()  # links, or the active item
    image_block: tuple[str, ...] = ()  # an image with its caption, inside the body
    caption: tuple[str, ...] = ()  # inside an image block
    inline_related: tuple[str, ...] = ()  # a related box inside the body
    noise: tuple[str, ...] = ()  # removed from the body before reading it


# Checked in this order; the first whose body selector matches reads the page.
LAYOUTS: tuple[Layout, ...] = (
    Layout(
        name="A",
        body=("div#cotent_detail",),  # sic: the site's spelling
        title=("h1.title_detail_news",),
        sapo=("div.sapo_detail",),
        date=("div.time_detail_news",),
        author=("span.name_author",),
        tags=("div.tag_detail a",),
        breadcrumb=(".breadcump a",),
        image_block=("table.picture", "div.box_img_detail"),
        caption=("td.caption", "span.note_images"),
        noise=("#AdAsia", "a.icon_zoom_images", ".box_guests"),
    ),
    Layout(
        name="C",
        body=("#article-detail",),
        title=("h1.article-title",),
        sapo=("#article-brief",),
        date=("div.article-published-on",),
        noise=(".top-banner-mobile",),
    ),
    Layout(
        name="B",
        body=('div[itemprop="articleBody"]',),
        author=("span.detail__author",),
    ),
)

# What news templates share; used for every field a layout does not know, and for unknown
# layouts (then `layout` is "generic").
GENERIC = Layout(
    name="generic",
    body=(
        '[itemprop="articleBody"]',
        "article [class*=content]",
        "article [class*=body]",
        "[class*=article-content]",
        "[class*=detail-content]",
        "[class*=__content]",
        "[class*=content-detail]",
        "[id*=content]",
        "article",
    ),
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
    ),
    tags=(
        "[class*=tag] a",
        "[class*=keyword] a",
        'a[rel="tag"]',
    ),
    breadcrumb=(
        "[class*=breadcrumb] a, [class*=breadcrumb] .active, [class*=breadcrumb] [aria-current]",
        "[class*=breadcump] a",
        '[itemtype*="BreadcrumbList"] a',
    ),
    image_block=(
        "figure",
        "table.picture",
        "table.image",
        "[class*=box_img]",
        "[class*=image-box]",
        "[class*=img-box]",
        "[class*=photo]",
        "div[class*=image]",
        "div[class*=img]",
    ),
    caption=(
        "figcaption",
        "[class*=caption]",
        "[class*=note]",
        "[class*=desc]",
        "td + td",
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
CHROME: tuple[str, ...] = ("header", "footer", "nav", "[class*=menu]", "[class*=footer]")

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
# Lazy images keep their real address in one of these.
LAZY_IMAGE_ATTRS: tuple[str, ...] = (
    "data-src",
    "data-original",
    "data-lazy-src",
    "data-lazy",
    "data-srcset",
    "src",
)
