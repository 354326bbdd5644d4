"""A generated replica of kinhtedothi.vn, as large as a benchmark needs, made from the fixtures.

The fixture articles are the material: their titles, sapos, paragraphs, captions and tags are
shuffled and recombined, numbers in the text are redrawn, and every article gets a place, a
person and a sentence of its own, so the vocabulary grows with the archive instead of repeating
one page. Dates are spread over 2015-2025; the date picks the template (A until 2021, B until
2024, C after, as on the site) and with it the URL form (`/slug-ID.html`, `/slug.html`,
`/slug.ID.html`). Sections get listing pages with further pages, the home page the newest
stories, and the sitemap index one url set per month, so a crawl discovers the site the way it
discovers the real one.

Each generated article is known twice: as the page a crawl fetches (`page`) and as the record
the parser must read from it (`article`); the smoke test holds the two together.

    python -m bench.generate --articles 5000 --out /tmp/site   # then: tests/replica.py --root
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import re
import shutil
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path

from newsarchive.record import Article, Image, Related
from newsarchive.site import HANOI

from .common import FIXTURES, FixtureArticle, fixture_articles

GENERATOR_VERSION = "2"  # bump when pages change, so cached sites are made again
SITE = "https://kinhtedothi.vn"
FIRST_DAY = datetime(2015, 1, 1, tzinfo=HANOI)
LAST_DAY = datetime(2025, 12, 31, 23, 59, tzinfo=HANOI)
STORIES_PER_LISTING = 20

SECTIONS: tuple[tuple[str, str], ...] = (
    ("/kinh-te/", "Kinh tế"),
    ("/do-thi/", "Đô thị"),
    ("/chinh-tri/", "Chính trị"),
    ("/xa-hoi/", "Xã hội"),
    ("/phap-luat/", "Pháp luật"),
    ("/van-hoa/", "Văn hóa"),
    ("/the-thao/", "Thể thao"),
    ("/quoc-te/", "Quốc tế"),
    ("/bat-dong-san/", "Bất động sản"),
)
PLACES = (
    "Ba Đình", "Hoàn Kiếm", "Tây Hồ", "Long Biên", "Cầu Giấy", "Đống Đa", "Hai Bà Trưng",
    "Hoàng Mai", "Thanh Xuân", "Nam Từ Liêm", "Bắc Từ Liêm", "Hà Đông", "Sơn Tây", "Ba Vì",
    "Chương Mỹ", "Đan Phượng", "Đông Anh", "Gia Lâm", "Hoài Đức", "Mê Linh", "Mỹ Đức",
    "Phú Xuyên", "Phúc Thọ", "Quốc Oai", "Sóc Sơn", "Thạch Thất", "Thanh Oai", "Thanh Trì",
    "Thường Tín", "Ứng Hòa",
)  # fmt: skip
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương")
MIDDLE = ("Văn", "Thị", "Hữu", "Minh", "Đức", "Thanh", "Quang", "Ngọc", "Thu", "Hoàng", "Xuân")
GIVEN = (
    "An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng", "Hương",
    "Khánh", "Lan", "Linh", "Long", "Mai", "Minh", "Nam", "Nga", "Phong", "Phương", "Quân",
    "Sơn", "Tâm", "Thảo", "Trang", "Trung", "Tuấn", "Việt", "Yến",
)  # fmt: skip
ROLES = (
    "Chủ tịch UBND", "Phó Chủ tịch UBND", "Bí thư", "Trưởng phòng Kinh tế",
    "Trưởng phòng Quản lý đô thị", "Chánh Văn phòng HĐND và UBND",
)  # fmt: skip
GOALS = (
    "đẩy nhanh tiến độ các dự án trọng điểm",
    "nâng cao chất lượng phục vụ người dân và doanh nghiệp",
    "tăng cường kiểm tra, xử lý vi phạm trật tự đô thị",
    "chỉnh trang hè phố, bổ sung cây xanh và chiếu sáng",
    "đẩy mạnh chuyển đổi số trong giải quyết thủ tục hành chính",
    "hỗ trợ hộ kinh doanh tiếp cận nguồn vốn ưu đãi",
    "bảo đảm an toàn giao thông trong mùa lễ hội",
    "giữ gìn, phát huy giá trị di tích và làng nghề truyền thống",
)
AUTHOR_ROLES_A = ("", "", "Bài và ảnh: ", "Bài: ")


@dataclass(frozen=True)
class Material:
    """What the fixture articles give to recombine."""

    titles: tuple[str, ...]
    sapos: tuple[str, ...]
    paragraphs: tuple[str, ...]
    captions: tuple[str, ...]
    tags: tuple[str, ...]

    @classmethod
    def from_fixtures(cls) -> Material:
        records = [fixture.expected for fixture in fixture_articles()]
        sapos = {r["sapo"] for r in records if r["sapo"]}
        return cls(
            titles=_unique(r["title"] for r in records),
            sapos=tuple(sorted(sapos)),
            # Whole blocks of some length; never one that repeats a sapo (the parser drops those).
            paragraphs=_unique(
                p for r in records for p in r["paragraphs"] if len(p) >= 60 and p not in sapos
            ),
            captions=_unique(c for r in records for c in r["captions"]),
            tags=_unique(t for r in records for t in r["tags"]),
        )


def _unique(items: object) -> tuple[str, ...]:
    return tuple(sorted(set(items)))  # type: ignore[call-overload]


@dataclass(frozen=True)
class Picture:
    urls: tuple[str, ...]
    caption: str


Block = str | Picture


@dataclass(frozen=True)
class Spec:
    """One generated article: everything its page shows."""

    index: int
    number: int  # the site's number for it: `first` + index (see `Replica`)
    layout: str
    path: str
    title: str
    sapo: str
    blocks: tuple[Block, ...]
    published: datetime
    updated: datetime | None
    byline: str  # as the page shows it, role label included
    author: str
    section: tuple[str, str]  # (path, name)
    tags: tuple[str, ...]
    related: tuple[int, ...]  # indexes of earlier articles: "Tin liên quan" / "Đừng bỏ lỡ"
    latest: tuple[int, ...]  # "Tin mới"

    @property
    def url(self) -> str:
        return SITE + self.path

    @property
    def site_id(self) -> str | None:
        return None if self.layout == "B" else str(300000 + self.number)


class Replica:
    """`count` generated articles, oldest first, the same for the same `seed`. `first`: the
    number of the first (in URLs and site ids), so that replicas made one part at a time
    (bench/scale.py) add up to one site without a URL twice."""

    def __init__(self, count: int, seed: int = 7, first: int = 0) -> None:
        self.count = count
        self.seed = seed
        self.first = first
        self.material = Material.from_fixtures()
        self.specs = self._make_specs()
        self._teasers: dict[int, str] = {}

    # -- the articles ----------------------------------------------------------------------

    def _make_specs(self) -> list[Spec]:
        rng = random.Random(self.seed)
        span = int((LAST_DAY - FIRST_DAY).total_seconds())
        moments = sorted(
            FIRST_DAY + timedelta(seconds=rng.randrange(span)) for _ in range(self.count)
        )
        by_section: dict[str, list[int]] = defaultdict(list)
        specs = []
        for index, moment in enumerate(moments):
            specs.append(self._make_spec(rng, index, moment, by_section))
        return specs

    def _make_spec(
        self, rng: random.Random, index: int, moment: datetime, by_section: dict[str, list[int]]
    ) -> Spec:
        m = self.material
        layout = "A" if moment.year <= 2021 else "B" if moment.year <= 2024 else "C"
        # A shows minutes only; B and C carry seconds in their metadata.
        published = moment.replace(second=0) if layout == "A" else moment
        place = rng.choice(PLACES)
        title = _title(rng.choice(m.titles), place, moment.year, rng)
        slug = slugify(title)[:80].strip("-")
        own_number = self.first + index
        site_id = 300000 + own_number
        path = {"A": f"/{slug}-{site_id}.html", "B": f"/{slug}-b{own_number}.html"}.get(
            layout, f"/{slug}.{site_id}.html"
        )
        paragraphs = [_redraw_numbers(p, rng) for p in rng.sample(m.paragraphs, rng.randint(4, 9))]
        person = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        own = (
            f"Theo ông {person}, {rng.choice(ROLES)} {place}, thời gian tới địa phương sẽ "
            f"tiếp tục {rng.choice(GOALS)}, phấn đấu hoàn thành kế hoạch năm {moment.year}."
        )
        paragraphs.insert(rng.randrange(len(paragraphs) + 1), own)
        blocks: list[Block] = list(paragraphs)
        for number, caption in enumerate(rng.sample(m.captions, rng.randint(0, 3))):
            shots = 2 if rng.random() < 0.15 else 1  # two images sharing one caption
            urls = tuple(
                f"https://cdn.kinhtedothi.vn/{moment:%Y/%m/%d}/{slug[:40]}-{number}{k}.jpg"
                for k in range(shots)
            )
            blocks.insert(rng.randrange(1, len(blocks) + 1), Picture(urls, caption))
        author = f"{rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        byline = (rng.choice(AUTHOR_ROLES_A) if layout == "A" else "") + author
        section = rng.choice(SECTIONS)
        earlier = by_section[section[0]][-30:]
        related = tuple(sorted(rng.sample(earlier, min(len(earlier), rng.randint(1, 3)))))
        by_section[section[0]].append(index)
        updated = None
        if layout != "A" and rng.random() < 0.3:
            updated = moment + timedelta(minutes=rng.randint(5, 600), seconds=rng.randint(0, 59))
        return Spec(
            index=index,
            number=own_number,
            layout=layout,
            path=path,
            title=title,
            sapo=_redraw_numbers(rng.choice(m.sapos), rng),
            blocks=tuple(blocks),
            published=published,
            updated=updated,
            byline=byline,
            author=author,
            section=section,
            tags=tuple(dict.fromkeys((*rng.sample(m.tags, rng.randint(2, 4)), place))),
            related=related,
            latest=tuple(range(index - 1, max(-1, index - 4), -1)),
        )

    def article(self, index: int) -> Article:
        """The record the parser must read from `page(index)`."""
        spec = self.specs[index]
        images: list[Image] = []
        captions: list[str] = []
        for block in spec.blocks:
            if isinstance(block, Picture):
                images += [Image(url, block.caption) for url in block.urls]
                captions.append(block.caption)
        related = [Related(self.specs[i].url, self.specs[i].title, "related") for i in spec.related]
        related += [Related(self.specs[i].url, self.specs[i].title, "latest") for i in spec.latest]
        return Article(
            url=spec.url,
            site_id=spec.site_id,
            title=spec.title,
            sapo=spec.sapo,
            paragraphs=tuple(b for b in spec.blocks if isinstance(b, str)),
            captions=tuple(captions),
            images=tuple(images),
            published_at=_iso(spec.published),
            updated_at=_iso(spec.updated) if spec.updated else None,
            authors=(spec.author,),
            category=spec.section[1],
            tags=spec.tags,
            related=tuple(related),
            layout=spec.layout,
        )

    def changed(self, index: int) -> Article:
        """The same article after an edit: one paragraph rewritten (a new revision)."""
        article = self.article(index)
        edited = (article.paragraphs[0] + " (Cập nhật)", *article.paragraphs[1:])
        return dataclasses.replace(article, paragraphs=edited)

    # -- the pages -------------------------------------------------------------------------

    def page(self, index: int) -> bytes:
        spec = self.specs[index]
        render = {"A": _page_a, "B": _page_b, "C": _page_c}[spec.layout]
        page = render(spec, self)
        # What a real article page carries around its story (100 to 250 KB): scripts and
        # styles in the head, a mega menu, teaser boxes of every section, ad scripts.
        page = page.replace("</head>", _HEAD_CHROME + "</head>", 1)
        return page.replace(_FOOTER, self._chrome(spec) + _FOOTER, 1).encode("utf-8")

    def _chrome(self, spec: Spec) -> str:
        """The boxes below an article: between 20 and 150 teasers of other articles, drawn
        from the whole site by the article's index, so that no two pages carry the same."""
        rng = random.Random(self.seed * 1_000_003 + spec.index)
        wanted = rng.randint(20, 150)
        boxes = []
        for number, (path, name) in enumerate(TEASER_BOXES):
            share = wanted // len(TEASER_BOXES) + (number < wanted % len(TEASER_BOXES))
            picks = (rng.randrange(self.count) for _ in range(share))
            teasers = "".join(self._teaser(i) for i in picks)
            boxes.append(
                f'<div class="box-category" data-zone="{number}"><h2 class="box-category__title">'
                f'<a href="{path}">{escape(name)}</a></h2>\n{teasers}</div>\n'
            )
        ads = json.dumps({"zone": spec.section[0], "id": spec.number, "ts": _iso(spec.published)})
        return (
            _MEGA_MENU
            + '<section class="home-categories container">\n'
            + "".join(boxes)
            + "</section>\n"
            + f"<script>window.__ADS__ = {ads}; {_AD_SCRIPT}</script>\n"
        )

    def _teaser(self, index: int) -> str:
        """Another article as a teaser box shows it (made once per article)."""
        found = self._teasers.get(index)
        if found is None:
            found = self._teasers[index] = _teaser(self.specs[index])
        return found

    def write_site(self, root: Path) -> Path:
        """Write the site under `root` (made anew), ready for `tests/replica.py --root`."""
        if root.exists():
            shutil.rmtree(root)
        root.mkdir(parents=True)
        for name in ("404.html", "robots.txt"):
            shutil.copyfile(FIXTURES / name, root / name)
        for spec in self.specs:
            (root / spec.path.lstrip("/")).write_bytes(self.page(spec.index))
        newest = list(reversed(self.specs))
        _write(root / "index.html", _listing(self, "Trang chủ", newest[:STORIES_PER_LISTING]))
        by_section: dict[str, list[Spec]] = defaultdict(list)
        for spec in newest:
            by_section[spec.section[0]].append(spec)
        for path, name in SECTIONS:
            stories = by_section[path]
            pages = max(1, -(-len(stories) // STORIES_PER_LISTING))
            for number in range(1, pages + 1):
                chunk = stories[(number - 1) * STORIES_PER_LISTING : number * STORIES_PER_LISTING]
                nxt = f"{path}trang-{number + 1}.html" if number < pages else None
                file = "index.html" if number == 1 else f"trang-{number}.html"
                _write(root / path.strip("/") / file, _listing(self, name, chunk, nxt, number))
        _write(root / "rss" / "home.rss", _rss(newest[:10]))
        self._write_sitemaps(root)
        return root

    def _write_sitemaps(self, root: Path) -> None:
        months: dict[str, list[Spec]] = defaultdict(list)
        for spec in self.specs:
            months[f"{spec.published:%Y-%m}"].append(spec)
        index = ['<?xml version="1.0" encoding="UTF-8"?>']
        index.append('<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">')
        for month in sorted(months, reverse=True):
            specs = months[month]
            lastmod = max(_iso(s.updated or s.published) for s in specs)
            index.append(
                f"  <sitemap><loc>{SITE}/sitemaps/{month}.xml</loc>"
                f"<lastmod>{lastmod}</lastmod></sitemap>"
            )
            urls = ['<?xml version="1.0" encoding="UTF-8"?>']
            urls.append('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">')
            for spec in specs:
                urls.append(
                    f"  <url><loc>{spec.url}</loc>"
                    f"<lastmod>{_iso(spec.updated or spec.published)}</lastmod></url>"
                )
            urls.append("</urlset>")
            _write(root / "sitemaps" / f"{month}.xml", "\n".join(urls) + "\n")
        index.append("</sitemapindex>")
        _write(root / "sitemap.xml", "\n".join(index) + "\n")


def real_size_pages(count: int, seed: int = 13) -> list[FixtureArticle]:
    """`count` generated article pages (of a replica of twice as many: their teasers and links
    reach further), each with the record it must give, as the benchmarks take pages."""
    site = Replica(2 * count, seed)
    return [
        FixtureArticle(
            f"generated-{spec.layout}-{spec.number}",
            site.page(spec.index),
            site.article(spec.index).to_dict(),
            spec.url,
        )
        for spec in site.specs[::2][:count]
    ]


def cached_site(count: int, cache: Path, seed: int = 7) -> Path:
    """The generated site of `count` articles under `cache`, written once and then reused."""
    root = cache / f"site-{count}-s{seed}-g{GENERATOR_VERSION}"
    done = root / ".complete"
    if not done.exists():
        Replica(count, seed).write_site(root)
        done.write_text(json.dumps({"articles": count, "seed": seed}), encoding="utf-8")
    return root


# -- text ----------------------------------------------------------------------------------


def slugify(text: str) -> str:
    folded = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_only = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-")


def _title(base: str, place: str, year: int, rng: random.Random) -> str:
    head, _, tail = base.partition(": ")
    topic = tail or head
    shape = rng.randrange(3)
    if shape == 0:
        return f"{place}: {topic}"
    if shape == 1:
        return f"{topic} tại {place}"
    return f"{place}: {topic} năm {year}"


def _redraw_numbers(text: str, rng: random.Random) -> str:
    """Digits drawn anew, keeping each number's length (so "77,6%" stays a percentage)."""
    return re.sub(r"\d", lambda _: str(rng.randrange(10)), text)


def _iso(moment: datetime) -> str:
    return moment.astimezone(HANOI).isoformat(timespec="seconds")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _html(text: str) -> str:
    """Escaped text; a line break of the record is a `<br>` on the page."""
    return "<br>".join(escape(line, quote=False) for line in text.split("\n"))


# -- templates, modelled on the fixture pages of each layout --------------------------------

_FOOTER = """<footer class="footer">
  <div class="container">
    <div class="footer__menu"><a href="/chinh-tri/">Chính trị</a> <a href="/kinh-te/">Kinh tế</a> <a href="/do-thi/">Đô thị</a> <a href="/xa-hoi/">Xã hội</a> <a href="/van-hoa/">Văn hóa</a> <a href="/quoc-te/">Quốc tế</a> <a href="/rss/home.rss">RSS</a></div>
    <div class="footer__info">
      <p><strong>Kinh tế &amp; Đô thị</strong> - Cơ quan của UBND TP Hà Nội</p>
      <p>Tòa soạn: Hà Nội. Email: toasoan@kinhtedothi.vn</p>
      <p>Giấy phép hoạt động báo điện tử do Bộ Thông tin và Truyền thông cấp.</p>
      <p>© Bản quyền thuộc về Kinh tế &amp; Đô thị. Không được sao chép khi chưa có sự đồng ý bằng văn bản.</p>
    </div>
    <div class="footer__social">
      <a href="https://www.facebook.com/kinhtedothi" target="_blank" rel="noopener">Facebook</a>
      <a href="https://www.youtube.com/@kinhtedothi" target="_blank" rel="noopener">YouTube</a>
      <a href="https://zalo.me/kinhtedothi" target="_blank" rel="noopener">Zalo</a>
    </div>
  </div>
</footer>
<script async src="https://www.googletagmanager.com/gtag/js?id=G-XXXXXXX"></script>
<script>window.dataLayer = window.dataLayer || []; function gtag(){dataLayer.push(arguments);} gtag('js', new Date()); gtag('config', 'G-XXXXXXX');</script>
</body>
</html>
"""  # noqa: E501

_MENU = '<li><a href="/">Trang chủ</a></li>' + "".join(
    f'<li><a href="{path}">{escape(name)}</a></li>' for path, name in SECTIONS
)

# -- what surrounds the article on a real page ----------------------------------------------

# Boxes of teasers below the article: each section's, and a few of the home page's (their
# headings are none of the labels the parser reads as related lists).
TEASER_BOXES: tuple[tuple[str, str], ...] = (
    *SECTIONS,
    ("/tieu-diem/", "Tiêu điểm"),
    ("/multimedia/", "Multimedia"),
    ("/podcast/", "Podcast"),
)
_TOPICS = (
    "Quy hoạch", "Giao thông", "Đầu tư", "Doanh nghiệp", "Thị trường", "Tài chính",
    "Ngân hàng", "Chứng khoán", "Giáo dục", "Y tế", "Môi trường", "Nông thôn mới", "Du lịch",
    "Ẩm thực", "Di sản", "Sân khấu", "Âm nhạc", "Bóng đá", "Thế giới", "Bạn đọc",
)  # fmt: skip


def _mega_menu() -> str:
    """Every section with its topics."""
    columns = "".join(
        f'<div class="mega-menu__col"><a class="mega-menu__head" href="{path}">{escape(name)}'
        "</a><ul>"
        + "".join(
            f'<li><a href="{path}{slugify(topic)}/" title="{escape(name)} - {escape(topic)}">'
            f"{escape(topic)}</a></li>"
            for topic in _TOPICS
        )
        + "</ul></div>"
        for path, name in TEASER_BOXES
    )
    return f'<div class="mega-menu" id="mega-menu">{columns}</div>\n'


def _script(words: int, seed: int) -> str:
    """Minified-looking JavaScript: a bundle of the site's (the same on every page)."""
    rng = random.Random(seed)
    names = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(1, 9)))
             for _ in range(150)]  # fmt: skip
    parts = []
    for _ in range(words):
        a, b, c = rng.choice(names), rng.choice(names), rng.choice(names)
        parts.append(
            rng.choice(
                (
                    f"function {a}({b},{c}){{return {b}.{c}||{rng.randrange(999)}}}",
                    f"var {a}={b}.{c}({rng.randrange(99999)});",
                    f'{a}.prototype.{b}=function(){{this.{c}="{rng.choice(names)}"}};',
                    f"if({a}&&{b}[{rng.randrange(64)}]){{{c}.push({a})}}",
                )
            )
        )
    return "".join(parts)


_MEGA_MENU = _mega_menu()
_HEAD_CHROME = (
    f"<style>{_script(200, 1).replace('function', '.c').replace('return', 'margin:0')}</style>\n"
    f"<script>{_script(900, 2)}</script>\n"
)
_AD_SCRIPT = _script(250, 3)


def _teaser(spec: Spec) -> str:
    title = escape(spec.title)
    return (
        f'<div class="teaser"><a class="teaser__thumb" href="{spec.path}" title="{title}">'
        f'<img src="https://static.kinhtedothi.vn/w300/{spec.published:%Y/%m/%d}/{spec.number}.jpg"'
        f' alt="{title}" loading="lazy"></a><h3 class="teaser__title"><a href="{spec.path}">'
        f'{title}</a></h3><p class="teaser__summary">{escape(spec.sapo)}</p></div>\n'
    )


def _story(spec: Spec) -> str:
    title = escape(spec.title)
    return f"""<div class="story">
  <a class="story__thumb" href="{spec.path}" title="{title}"><img src="https://static.kinhtedothi.vn/w300/{spec.published:%Y/%m/%d}/{spec.number}.jpg" alt="{title}" loading="lazy"></a>
  <h3 class="story__title"><a href="{spec.path}">{title}</a></h3>
  <div class="story__meta"><span class="story__time">{spec.published:%d/%m/%Y | %H:%M}</span></div>
  <div class="story__summary">Kinhtedothi - {escape(spec.sapo)}</div>
</div>
"""  # noqa: E501


def _stories(css: str, label: str, specs: list[Spec]) -> str:
    if not specs:
        return ""
    items = "".join(_story(s) for s in specs)
    heading = f'<h3 class="box__title">{label}</h3>'
    return f'<section class="box-stories {css}">{heading}\n{items}</section>\n'


def _body(spec: Spec, picture: str) -> str:
    out = []
    for block in spec.blocks:
        if isinstance(block, Picture):
            imgs = "".join(f'<img src="{url}" alt="" />' for url in block.urls)
            out.append(picture.format(imgs=imgs, caption=escape(block.caption)))
        else:
            out.append(f'<p style="text-align: justify;">{_html(block)}</p>')
    return "\n".join(out)


def _tag_links(spec: Spec, sep: str) -> str:
    return sep.join(f'<a href="/tag/{slugify(t)}.html">{escape(t)}</a>' for t in spec.tags)


def _page_a(spec: Spec, site: Replica) -> str:
    related = "".join(
        f'<li><a href="{s.path}" title="{escape(s.title)}">{escape(s.title)}</a> '
        f'<span class="time">({s.published:%d/%m/%Y})</span></li>'
        for s in (site.specs[i] for i in spec.related)
    )
    latest = "".join(
        f'<li><a href="{s.path}" title="{escape(s.title)}">{escape(s.title)}</a></li>'
        for s in (site.specs[i] for i in spec.latest)
    )
    body = _body(
        spec,
        '<div class="box_img_detail">{imgs}<span class="note_images">{caption}</span></div>',
    )
    title = escape(spec.title)
    return f"""<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="vi">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>{title} - Kinh tế &amp; Đô thị</title>
<meta name="description" content="Kinhtedothi - {escape(spec.sapo)}">
<link rel="canonical" href="{spec.url}">
<link href="https://media.kinhtedothi.vn/css/style.css?v=20170301" rel="stylesheet" type="text/css" />
<script type="text/javascript" src="https://media.kinhtedothi.vn/js/jquery-1.8.3.min.js"></script>
</head>
<body>
<div id="wrapper">
  <div id="header">
    <div class="top_header"><span class="today">Thứ Sáu, ngày 27/11/2026</span> <a href="/rss/home.rss" class="rss">RSS</a></div>
    <div class="logo"><a href="/" title="Kinh tế &amp; Đô thị"><img src="https://media.kinhtedothi.vn/images/logo.png" alt="Kinh tế &amp; Đô thị" /></a></div>
    <div id="adv_top_banner" class="adv"><a href="https://ads.example/click?zone=top&amp;b=1001" target="_blank" rel="nofollow"><img src="https://ads.example/banner/970x90.jpg" alt="" /></a></div>
  </div>
  <div id="menu"><ul class="menu_main">{_MENU}</ul></div>
  <div id="main">
    <div class="col_left">
      <div class="breadcump"><a href="/">Trang chủ</a><span class="sep">»</span><a href="{spec.section[0]}">{escape(spec.section[1])}</a></div>
      <div class="detail_news">
        <h1 class="title_detail_news">{title}</h1>
        <div class="time_detail_news">{spec.published:%d-%m-%Y %H:%M}</div>
<div class="sapo_detail fr">Kinhtedothi - {escape(spec.sapo)}</div>
<div id="cotent_detail" class="pkg">
{body}
</div>
        <div class="author_detail"><span class="name_author">{escape(spec.byline)}</span></div>
        <div class="tag_detail"><span>Từ khóa:</span> {_tag_links(spec, ", ")}</div>
        <div class="share_detail"><a href="https://www.facebook.com/sharer/sharer.php?u={spec.url}" target="_blank">Chia sẻ</a> <a href="javascript:window.print()">In bài</a></div>
      </div>
      <div class="news_relate"><div class="title_box">Tin liên quan</div><ul class="list_news">{related}</ul></div>
    </div>
    <div class="col_right">
      <div id="adv_right_1" class="adv"><a href="https://ads.example/click?zone=right&amp;b=2002" target="_blank" rel="nofollow"><img src="https://ads.example/banner/300x250.jpg" alt="" /></a></div>
      <div class="box_latest"><div class="title_box">Tin mới</div><ul class="list_news">{latest}</ul></div>
    </div>
  </div>
{_FOOTER}"""  # noqa: E501


def _page_b(spec: Spec, site: Replica) -> str:
    title = escape(spec.title)
    modified = (
        f'<meta property="article:modified_time" content="{_iso(spec.updated)}">\n'
        if spec.updated
        else ""
    )
    body = _body(spec, '<figure class="image">{imgs}<figcaption>{caption}</figcaption></figure>')
    related = _stories("box-dontmiss", "Đừng bỏ lỡ", [site.specs[i] for i in spec.related])
    latest = _stories("box-latest", "Tin mới", [site.specs[i] for i in spec.latest])
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - Báo Kinh tế &amp; Đô thị</title>
<meta name="description" content="Kinhtedothi - {escape(spec.sapo)}">
<meta property="og:title" content="{title}">
<meta property="og:type" content="article">
<meta property="og:site_name" content="Kinh tế &amp; Đô thị">
<meta property="og:description" content="Kinhtedothi - {escape(spec.sapo)}">
<meta property="og:url" content="{spec.url}">
<meta property="article:published_time" content="{_iso(spec.published)}">
{modified}<link rel="stylesheet" href="https://static.kinhtedothi.vn/css/main.min.css?v=3.2.1">
<link rel="alternate" type="application/rss+xml" title="Kinh tế &amp; Đô thị" href="/rss/home.rss">
</head>
<body class="page-detail">
<header class="header">
  <div class="header__top container">
    <h1 class="header__logo"><a href="/" title="Kinh tế &amp; Đô thị"><img src="https://static.kinhtedothi.vn/images/logo.png" alt="Logo"></a></h1>
    <div class="header__links"><a href="javascript:void(0)" class="js-subscribe">Đăng ký ấn phẩm</a>|<a href="javascript:void(0)" class="js-login">Đăng nhập</a></div>
  </div>
  <nav class="header__menu container"><ul class="menu">{_MENU}</ul></nav>
</header>
<div class="top-banner container" id="adv-top-banner"><div class="adv-slot" data-zone="970x250"></div></div>
<main class="main container">
  <div class="col-main">
    <article class="detail" itemscope itemtype="https://schema.org/NewsArticle">
      <div class="breadcrumb-wrap"><a href="/">Trang chủ</a> / <a href="{spec.section[0]}">{escape(spec.section[1])}</a></div>
      <h1 class="detail__title">{title}</h1>
      <div class="detail__meta"><span class="detail__time">{spec.published:%d/%m/%Y | %H:%M}</span> <span class="detail__author">{escape(spec.byline)}</span></div>
      <div class="detail__sapo">Kinhtedothi - {escape(spec.sapo)}</div>
      <div class="detail__content" itemprop="articleBody">
{body}
      </div>
      <div class="detail__tags"><span class="detail__tags-label">Tags:</span> {_tag_links(spec, " ")}</div>
    </article>
{related}{latest}  </div>
  <aside class="col-side">
    <div id="adv-right-1" class="adv-slot" data-zone="300x600"></div>
  </aside>
</main>
{_FOOTER}"""  # noqa: E501


def _page_c(spec: Spec, site: Replica) -> str:
    title = escape(spec.title)
    ld: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": spec.url},
        "headline": spec.title,
        "description": "Kinhtedothi - " + spec.sapo,
        "datePublished": _iso(spec.published),
    }
    if spec.updated:
        ld["dateModified"] = _iso(spec.updated)
    ld["author"] = {"@type": "Person", "name": spec.author}
    ld["publisher"] = {"@type": "Organization", "name": "Kinh tế & Đô thị"}
    json_ld = json.dumps(ld, ensure_ascii=False, indent=1).replace("</", "<\\/")
    body = _body(spec, '<div class="image-box">{imgs}<p class="image-desc">{caption}</p></div>')
    related = _stories("box-related", "Tin liên quan", [site.specs[i] for i in spec.related])
    latest = _stories("box-latest", "Tin mới", [site.specs[i] for i in spec.latest])
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - Kinh tế &amp; Đô thị</title>
<meta name="description" content="Kinhtedothi - {escape(spec.sapo)}">
<link rel="canonical" href="{spec.url}">
<meta property="og:title" content="{title}">
<meta property="og:type" content="article">
<meta property="og:url" content="{spec.url}">
<script type="application/ld+json">{json_ld}</script>
<link rel="stylesheet" href="https://resource.kinhtedothi.vn/themes/kinhtedothi/css/app.css?v=2025.4">
</head>
<body class="page-article">
<div class="top-banner-mobile"><div id="adv-mobile-top" class="adv"></div></div>
<header class="site-header">
  <div class="container">
    <a class="site-logo" href="/"><img src="https://resource.kinhtedothi.vn/themes/kinhtedothi/images/logo.svg" alt="Kinh tế &amp; Đô thị"></a>
    <nav class="main-nav"><ul class="main-nav__list">{_MENU}</ul></nav>
    <form class="search-form" action="/tim-kiem.html" method="get"><input type="search" name="q" placeholder="Tìm kiếm"></form>
  </div>
</header>
<main class="site-main container">
  <div class="layout-article">
    <div class="col-content">
      <article class="article" data-id="{spec.site_id}">
        <ol class="breadcrumb"><li class="breadcrumb-item"><a href="/">Trang chủ</a></li><li class="breadcrumb-item"><a href="{spec.section[0]}">{escape(spec.section[1])}</a></li></ol>
        <h1 class="article-title">{title}</h1>
        <div class="article-meta">
          <div class="article-published-on">{spec.published:%H:%M %d/%m/%Y}</div>
          <p class="byline">{escape(spec.byline)}</p>
        </div>
        <h2 id="article-brief" class="article-brief">Kinhtedothi - {escape(spec.sapo)}</h2>
        <div id="article-detail" class="article-detail">
{body}
        </div>
        <div class="article-tags"><span class="article-tags__label">Từ khóa:</span> {_tag_links(spec, " ")}</div>
      </article>
      {related}    </div>
    <aside class="col-sidebar">
      <div id="adv-sidebar-1" class="adv"></div>
      {latest}    </aside>
  </div>
</main>
{_FOOTER}"""  # noqa: E501


def _listing(
    site: Replica, name: str, specs: list[Spec], nxt: str | None = None, number: int = 1
) -> str:
    next_link = f'<link rel="next" href="{SITE}{nxt}">\n' if nxt else ""
    paging = (
        f'<div class="paging"><span class="current">{number}</span> '
        f'<a class="next" href="{nxt}">Trang sau ›</a></div>'
        if nxt
        else ""
    )
    stories = "".join(_story(s) for s in specs)
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>{escape(name)} - Kinh tế &amp; Đô thị</title>
{next_link}<link rel="alternate" type="application/rss+xml" title="Kinh tế &amp; Đô thị" href="/rss/home.rss">
</head>
<body class="page-listing">
<header class="site-header"><div class="container"><nav class="main-nav"><ul class="main-nav__list">{_MENU}</ul></nav></div></header>
<main class="site-main container">
<div class="category-page">
  <div class="breadcrumb"><a href="/">Trang chủ</a> › <h1 class="category-title">{escape(name)}</h1></div>
  <div class="list-stories">
{stories}  </div>
  {paging}
</div>
</main>
{_FOOTER}"""  # noqa: E501


def _rss(specs: list[Spec]) -> str:
    items = "".join(
        f"""    <item>
      <title>{escape(s.title)}</title>
      <link>{s.url}</link>
      <guid isPermaLink="true">{s.url}</guid>
      <description>{escape(s.sapo)}</description>
      <category>{escape(s.section[1])}</category>
      <pubDate>{format_datetime(s.published)}</pubDate>
    </item>
"""
        for s in specs
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
  <channel>
    <title>Kinh tế &amp; Đô thị - Trang chủ</title>
    <link>{SITE}/</link>
    <description>Tin tức mới nhất từ Kinh tế &amp; Đô thị</description>
    <language>vi-VN</language>
{items}  </channel>
</rss>
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write a generated replica of the site.")
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    site = Replica(args.articles, args.seed)
    site.write_site(args.out)
    print(f"wrote {args.articles} articles to {args.out}")


if __name__ == "__main__":
    main()
