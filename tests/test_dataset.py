"""The archive as a dataset: the documented schema and its view, search with filters, `show`
(one article and its history) and `stats`, against a crawl of the replica in which one article
changed between two crawls."""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from crawled import (
    SEED,
    copy_of_site,
    crawl,
    edit_page,
    expected_records,
    holds,
    plain,
    searchable,
    without_version,
    words,
)

from newsarchive.cli import run as cli
from newsarchive.record import Article, Related
from newsarchive.store import Archive, RawPage

SCHEMA_MD = Path(__file__).resolve().parent.parent / "docs" / "schema.md"
EXPECTED = expected_records()
OLD_TITLE = EXPECTED[SEED]["title"]
NEW_TITLE = OLD_TITLE.replace("tăng sự hài lòng", "nâng sự hài lòng của người dân")


@dataclass(frozen=True)
class Crawled:
    db: Path
    second_crawl_counts: dict[str, int]

    @property
    def url(self) -> str:
        return f"sqlite:///{self.db}"

    def rows(self, sql: str, *parameters: object) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.db) as connection:
            return connection.execute(sql, parameters).fetchall()


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Crawled:
    """The replica crawled once; then the seed page's title and one figure edited and the page
    crawled again."""
    folder = tmp_path_factory.mktemp("dataset")
    site = copy_of_site(folder)
    db = folder / "archive.db"
    crawl(db, site)
    edit_page(
        site,
        SEED,
        ("tăng sự hài lòng</h1>", "nâng sự hài lòng của người dân</h1>"),
        ("tăng 2,61%", "tăng 3,15%"),
    )
    report = crawl(db, site, again=[SEED])
    return Crawled(db, dict(report.counts))


def newsarchive(
    capsys: pytest.CaptureFixture[str], crawled: Crawled, *args: str
) -> tuple[int, str, str]:
    code = cli([*args, "--db", crawled.url])
    out, err = capsys.readouterr()
    return code, out, err


def has_word(record: dict[str, Any], word: str) -> bool:
    return re.search(rf"\b{word}\b", searchable(record)) is not None


# -- docs/schema.md and the schema ---------------------------------------------------------


def sql_blocks() -> list[str]:
    return re.findall(r"^```sql\n(.*?)^```", SCHEMA_MD.read_text(encoding="utf-8"), re.S | re.M)


def test_schema_md_has_the_five_kinds_of_example_query() -> None:
    text = "\n".join(sql_blocks())
    for needle in (
        "substr(published_at, 1, 7)",
        "article_author",
        "article_link",
        "article_caption",
        "article_revision",
    ):
        assert needle in text, f"no example query of docs/schema.md uses {needle}"


def now(url: str) -> dict[str, Any]:
    """The record the archive holds now: the expected one, with the seed's second title."""
    return {**EXPECTED[url], "title": NEW_TITLE} if url == SEED else EXPECTED[url]


def schema_answers() -> dict[str, list[tuple[Any, ...]]]:
    """What each example of docs/schema.md must answer over the crawl, worked out from the
    hand-written records (each keyed by a line only that example has); order is compared where
    the example's ORDER BY fixes it, else the rows as a multiset."""
    records = [now(url) for url in EXPECTED]
    titles = {r["url"]: r["title"] for r in records}
    months = Counter((r["published_at"][:7], r["category"]) for r in records if r["published_at"])
    per_month = Counter(r["published_at"][:7] for r in records if r["published_at"])
    linked = Counter(
        link["url"] for r in records for link in {x["url"]: x for x in r["related"]}.values()
    )
    linked_titles = sorted(
        ((titles[url], n) for url, n in linked.items() if url in titles),
        key=lambda row: (-row[1], row[0]),
    )
    return {
        "WHERE category = 'Đô thị'": [
            (r["title"], r["published_at"], r["authors"], r["tags"])
            for r in records
            if r["category"] == "Đô thị"
        ],
        "json_each(v.authors)": [(r["title"], a) for r in records for a in r["authors"]],
        'captions: "hoan kiem"': [
            (r["title"], r["url"])
            for r in records
            if any("hoan kiem" in plain(c) for c in r["captions"])
        ],
        "GROUP BY month, category": sorted((m, c, n) for (m, c), n in months.items()),
        "FROM article_browse": sorted(per_month.items(), reverse=True),
        "w.name = 'Hà Phong'": [
            (r["published_at"], r["title"], r["url"]) for r in records if "Hà Phong" in r["authors"]
        ],
        "l.kind, target.title": [
            (r["title"], link["kind"], titles[link["url"]])
            for r in records
            for link in r["related"]
            if link["url"] in titles
        ],
        "LIMIT 10": linked_titles[:10],
        "LIKE '%Hoàn Kiếm%'": [
            (r["published_at"], r["title"], c)
            for r in records
            for c in r["captions"]
            if "Hoàn Kiếm" in c
        ],
    }


def test_schema_md_examples_answer_what_the_records_say(crawled: Crawled) -> None:
    blocks = sql_blocks()
    for key, expected in schema_answers().items():
        (sql,) = [b for b in blocks if key in b]
        rows = [
            tuple(json.loads(v) if isinstance(v, str) and v.startswith("[") else v for v in row)
            for row in crawled.rows(sql)
        ]
        if sql.startswith("SELECT id,"):
            rows = [row[1:] for row in rows]  # the archive's own ids, which no record gives
        assert expected, f"the records give the example with {key!r} nothing to find"
        assert sorted(map(repr, rows)) == sorted(map(repr, expected)), key
        newest_first = {"WHERE category = 'Đô thị'": 1, "w.name = 'Hà Phong'": 0}
        if key in newest_first:
            dates = [row[newest_first[key]] for row in rows]
            assert dates == sorted(dates, reverse=True), f"{key!r}: not newest first"
        if key in ("LIMIT 10", "FROM article_browse"):
            assert rows == expected, f"{key!r}: not in the example's order"


def test_schema_md_examples_on_versions_fields_fetches_and_weights(crawled: Crawled) -> None:
    """The three examples the records cannot answer alone: the seed's one earlier version (its
    title and body changed, not its sapo or date), the body rules covering every article of each
    layout, the fetches by outcome, and a word's heaviest articles."""
    blocks = sql_blocks()
    (revisions,) = [b for b in blocks if "title_changed" in b]
    assert [row[3:] for row in crawled.rows(revisions)] == [(OLD_TITLE, NEW_TITLE, 1, 0, 1, 0)]
    (rules,) = [b for b in blocks if "body_rule" in b]
    per_layout = Counter[str]()
    for layout, rule, articles, least_sure in crawled.rows(rules):
        per_layout[layout] += articles
        assert 0 < least_sure <= 1, f"layout {layout}, rule {rule}: confidence out of (0, 1]"
    assert per_layout == Counter(r["layout"] for r in EXPECTED.values())
    (fetches,) = [b for b in blocks if "bytes_compressed" in b]
    outcomes = {row[0]: row[1:] for row in crawled.rows(fetches)}
    assert set(outcomes) <= {"ok", "not_modified", "gone"}, "the replica serves no other kind"
    ok_fetches, ok_bodies, size, compressed = outcomes["ok"]
    # every article's page, and the seed's edit, is a body of its own; so is each listing
    assert ok_bodies >= len(EXPECTED) + 1, "fewer bodies than the articles' pages and the edit"
    assert ok_fetches >= ok_bodies, "more bodies than fetches that brought one"
    assert 0 < compressed < size, "the bodies are not stored compressed"
    (weights,) = [b for b in blocks if "article_search_impact" in b]
    found = crawled.rows(weights)
    holding = {now(url)["title"] for url in EXPECTED if has_word(now(url), "duc")}
    assert len(found) == min(5, len(holding)), f"not the top 5 of the {len(holding)} with 'duc'"
    assert {title for title, _ in found} <= holding, "titles of articles without 'duc'"
    impacts = [impact for _, impact in found]
    assert impacts == sorted(impacts, reverse=True), "not the heaviest first"
    assert impacts[-1] > 0, "an article holding the word weighs nothing"
    assert outcomes["not_modified"][1:] == (0, None, None), "a 304 brings no body"
    assert outcomes["gone"][1] == 1, "the replica's 404 pages are all the same page"


def test_every_sql_block_of_schema_md_is_checked_by_a_test() -> None:
    keys = [
        *schema_answers(),
        "title_changed",
        "body_rule",
        "bytes_compressed",
        "article_search_impact",
    ]
    for sql in sql_blocks():
        assert any(key in sql for key in keys), f"no test checks what this example answers:\n{sql}"


def test_schema_md_describes_every_table_and_column(crawled: Crawled) -> None:
    text = SCHEMA_MD.read_text(encoding="utf-8")
    sections = re.split(r"^#{2,3} ", text, flags=re.M)
    names = crawled.rows(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
        "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'article_fts_%'"
    )
    for (name,) in names:
        described = [s for s in sections if f"`{name}`" in s.split("\n", 1)[0]]
        assert described, f"docs/schema.md has no section for table {name}"
        columns = [row[1] for row in crawled.rows(f"PRAGMA table_info({name})")]
        if name == "article_fts":
            continue  # a virtual table: its columns are named in its section's prose
        for column in columns:
            assert any(f"`{column}`" in s for s in described), f"{name}.{column} not described"


def test_article_view_gives_each_article_its_record_with_lists_as_json(crawled: Crawled) -> None:
    with sqlite3.connect(crawled.db) as connection:
        connection.row_factory = sqlite3.Row
        rows = connection.execute("SELECT * FROM article_view").fetchall()
    assert sorted(row["url"] for row in rows) == sorted(EXPECTED)
    fields = list(EXPECTED[SEED])
    for row in rows:
        assert row.keys()[1 : 1 + len(fields)] == fields
        record = {name: row[name] for name in fields}
        for name in ("paragraphs", "captions", "images", "authors", "tags", "related"):
            record[name] = json.loads(record[name])
        expected = EXPECTED[record["url"]]
        if record["url"] == SEED:  # changed on the second crawl
            assert record["title"] == NEW_TITLE
            assert row["revisions"] == 1, "the seed's one earlier version"
            continue
        assert without_version(record) == without_version(expected)
        assert row["revisions"] == 0, f"{record['url']} changed in no crawl"


def test_an_archive_made_by_0_1_0_gains_the_view_and_revisions_and_keeps_every_row(
    tmp_path: Path,
) -> None:
    old = tmp_path / "old.db"
    old.write_bytes((Path(__file__).parent / "data" / "archive-0.1.0.db").read_bytes())
    Archive.open(f"sqlite:///{old}").close()
    with sqlite3.connect(old) as connection:
        assert connection.execute("SELECT count(*) FROM article_view").fetchone() == (21,)
        assert connection.execute("SELECT count(*) FROM article_revision").fetchone() == (0,)
        authors = connection.execute(
            "SELECT authors FROM article_view WHERE url = ?", (SEED,)
        ).fetchone()
    assert json.loads(authors[0]) == EXPECTED[SEED]["authors"]


# -- search ------------------------------------------------------------------------------


def search_urls(capsys: pytest.CaptureFixture[str], crawled: Crawled, *args: str) -> list[str]:
    code, out, err = newsarchive(capsys, crawled, "search", "--json", "--limit", "50", *args)
    assert (code, err) == (0, "")
    hits = [json.loads(line) for line in out.splitlines()]
    assert len(hits) < 50, "the limit cut the results: the tests compare all of them"
    for hit in hits:
        assert list(hit) == ["url", "title", "published_at", "snippet", "score"]
    return [hit["url"] for hit in hits]


@pytest.mark.parametrize(
    "query", ["hoai duc", "Hoài Đức", unicodedata.normalize("NFD", "Hoài Đức"), "HOAI DUC"]
)
def test_search_finds_the_same_articles_with_or_without_diacritics(
    capsys: pytest.CaptureFixture[str], crawled: Crawled, query: str
) -> None:
    expected = {url for url, record in EXPECTED.items() if "hoai duc" in searchable(record)}
    assert len(expected) >= 2, "the replica has fewer articles on Hoài Đức than this test needs"
    assert set(search_urls(capsys, crawled, query)) == expected


def test_a_phrase_in_quotes_matches_only_those_words_in_that_order(
    capsys: pytest.CaptureFixture[str], crawled: Crawled
) -> None:
    phrase = {url for url, r in EXPECTED.items() if "cai cach hanh chinh" in searchable(r)}
    assert phrase, "no article of the replica has the phrase"
    assert set(search_urls(capsys, crawled, '"cải cách hành chính"')) == phrase
    assert set(search_urls(capsys, crawled, '"duc hoai"')) == set()
    # The words alone do match: in any order, anywhere in the article.
    both = {url for url, r in EXPECTED.items() if holds(r, "duc", "hoai")}
    assert both, "no article of the replica has both words"
    assert set(search_urls(capsys, crawled, "duc hoai")) == both


def test_search_results_show_title_date_url_and_highlighted_snippet_best_first(
    capsys: pytest.CaptureFixture[str], crawled: Crawled
) -> None:
    code, out, err = newsarchive(capsys, crawled, "search", "hoai duc", "--limit", "1")
    assert code == 0, err
    title, dated, snippet, _, more = out.strip().split("\n")
    date, url = dated.split()
    assert holds(EXPECTED[url], "hoai", "duc"), f"{url} does not hold the words"
    assert title == (NEW_TITLE if url == SEED else EXPECTED[url]["title"])
    assert date == EXPECTED[url]["published_at"]
    assert "[Hoài Đức]" in snippet
    matching = sum(holds(record, "hoai", "duc") for record in EXPECTED.values())
    assert more == f"1 of {matching}; more with --limit"
    code, out, _ = newsarchive(capsys, crawled, "search", "hoai duc", "--json")
    scores = [json.loads(line)["score"] for line in out.splitlines()]
    assert scores == sorted(scores, reverse=True)


def current_title(url: str) -> str:
    return NEW_TITLE if url == SEED else EXPECTED[url]["title"]


@pytest.mark.parametrize(
    "url", [url for url, record in EXPECTED.items() if re.search(r"[:“”%,./-]", record["title"])]
)
def test_a_pasted_headline_finds_its_article_first(
    capsys: pytest.CaptureFixture[str], crawled: Crawled, url: str
) -> None:
    assert search_urls(capsys, crawled, current_title(url))[0] == url


@pytest.mark.parametrize(
    ("query", "phrases"),
    [
        ("Hà Nội: xuất khẩu", ["ha", "noi", "xuat", "khau"]),
        ("Hai Bà Trưng-Tết", ["hai", "ba", "trung tet"]),
        ("Hai Bà Trưng, Tết!", ["hai", "ba", "trung", "tet"]),
        ("11,2%", ["11 2"]),
        ("(tăng) 1.000km; [đường]", ["tang", "1 000km", "duong"]),
        ("Thủ đô - “Tết vội”", ["thu", "do", "tet", "voi"]),
        ("giao thông — đô thị…", ["giao", "thong", "do", "thi"]),
        ("noi: giao", ["noi", "giao"]),  # a word and its colon, not a column filter
    ],
)
def test_words_and_punctuation_search_for_the_words(
    capsys: pytest.CaptureFixture[str], crawled: Crawled, query: str, phrases: list[str]
) -> None:
    expected = {url for url, record in EXPECTED.items() if holds(record, *phrases)}
    assert set(search_urls(capsys, crawled, query)) == expected


def near_in_a_field(record: dict[str, Any], first: str, second: str, within: int) -> bool:
    """Whether the words are in one field (title, sapo, body, captions) of the record with at
    most `within` words between them, in either order: FTS5's NEAR."""
    fields = (record["title"], record["sapo"] or "", record["paragraphs"], record["captions"])
    for field in fields:
        found = re.findall(
            r"[^\W_]+", plain(" ".join([field] if isinstance(field, str) else field))
        )
        firsts = [at for at, word in enumerate(found) if word == first]
        seconds = [at for at, word in enumerate(found) if word == second]
        if any(abs(a - b) - 1 <= within for a in firsts for b in seconds):
            return True
    return False


def test_syntax_written_on_purpose_still_works(
    capsys: pytest.CaptureFixture[str], crawled: Crawled
) -> None:
    def urls(test: Any) -> set[str]:
        return {url for url, record in EXPECTED.items() if test(record)}

    assert set(search_urls(capsys, crawled, "xuất OR metan")) == urls(
        lambda r: holds(r, "xuat") or holds(r, "metan")
    )
    assert set(search_urls(capsys, crawled, "ha noi NOT tet")) == urls(
        lambda r: holds(r, "ha", "noi") and not holds(r, "tet")
    )
    assert set(search_urls(capsys, crawled, "xuat AND khau")) == urls(
        lambda r: holds(r, "xuat", "khau")
    )
    assert set(search_urls(capsys, crawled, "metan*")) == urls(
        lambda r: any(w.startswith("metan") for w in words(r))
    )
    near = urls(lambda r: near_in_a_field(r, "thu", "do", 2))
    assert near < urls(lambda r: holds(r, "thu", "do")), "NEAR(thu do, 2) would test nothing"
    assert set(search_urls(capsys, crawled, "NEAR(thu do, 2)")) == near
    assert set(search_urls(capsys, crawled, "title:Tết")) == {
        url for url in EXPECTED if "tet" in re.findall(r"[^\W_]+", plain(current_title(url)))
    }


def test_search_takes_its_words_unquoted(
    capsys: pytest.CaptureFixture[str], crawled: Crawled
) -> None:
    assert search_urls(capsys, crawled, "hoai", "duc") == search_urls(capsys, crawled, "hoai duc")


def test_search_says_how_many_matched_when_it_shows_fewer(
    capsys: pytest.CaptureFixture[str], crawled: Crawled
) -> None:
    matching = sum(holds(record, "ha", "noi") for record in EXPECTED.values())
    assert matching > 3, "the replica has too few articles on Hà Nội for a limit of 3 to cut"
    code, out, err = newsarchive(capsys, crawled, "search", "Hà", "Nội", "--limit", "3")
    assert code == 0, err
    assert out.splitlines()[-1] == f"3 of {matching}; more with --limit"
    code, out, err = newsarchive(capsys, crawled, "search", "Hà", "Nội", "--limit", "100")
    assert code == 0, err
    assert "more with --limit" not in out, "said more when all were shown"
    assert out.count("kinhtedothi.vn/") == matching, "not one URL per matching article"


def test_search_since_and_until_take_whole_hanoi_days(
    capsys: pytest.CaptureFixture[str], crawled: Crawled
) -> None:
    def published(first: str, last: str) -> set[str]:
        return {
            u
            for u, r in EXPECTED.items()
            if first <= r["published_at"][:10] <= last and has_word(r, query)
        }

    query = "cac"  # "các", in every article
    in_range = published("2025-01-28", "2025-01-29")
    assert len(in_range) == 4  # two on each day, the last at 21:42 Hanoi time
    found = search_urls(capsys, crawled, query, "--since", "2025-01-28", "--until", "2025-01-29")
    assert set(found) == in_range
    assert set(search_urls(capsys, crawled, query, "--since", "2025-12-20")) == published(
        "2025-12-20", "9999"
    )
    assert set(search_urls(capsys, crawled, query, "--until", "2018-02-05")) == published(
        "0000", "2018-02-05"
    )


def test_search_category_ignores_case_and_diacritics(
    capsys: pytest.CaptureFixture[str], crawled: Crawled
) -> None:
    economy = {u for u, r in EXPECTED.items() if r["category"] == "Kinh tế"}
    matching = {u for u, r in EXPECTED.items() if "ha noi" in searchable(r)}
    assert economy & matching, "no article of Kinh tế on Hà Nội in the replica"
    found = search_urls(capsys, crawled, "ha noi", "--category", "kinh te")
    assert set(found) == economy & matching


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (['"unclosed'], "unterminated string"),
        (["hoai AND"], "syntax error"),
        (["NOT"], "syntax error"),
        (["hoai (duc"], "a ( is not closed"),
        (["hoai", "duc)"], 'syntax error near ")"'),
        (["— ?!"], "nothing to search for"),
        (["hoai", "--since", "2025-13-01"], "--since must be a day as YYYY-MM-DD"),
        (["hoai", "--until", "yesterday"], "--until must be a day as YYYY-MM-DD"),
        (["hoai", "--since", "2025-02-01", "--until", "2025-01-01"], "is after --until"),
        (["hoai", "--category", "thể thao"], "no article has category 'thể thao'"),
    ],
)
def test_bad_search_usage_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], crawled: Crawled, args: list[str], says: str
) -> None:
    code, out, err = newsarchive(capsys, crawled, "search", *args)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1, f"not one line: {err!r}"
    assert says in err


# -- show ----------------------------------------------------------------------------------


def test_show_json_prints_the_stored_record(
    capsys: pytest.CaptureFixture[str], crawled: Crawled
) -> None:
    url = next(u for u in EXPECTED if u != SEED)
    code, out, err = newsarchive(capsys, crawled, "show", url, "--json")
    assert code == 0, err
    assert without_version(json.loads(out)) == without_version(EXPECTED[url])
    [(article_id,)] = crawled.rows("SELECT id FROM article WHERE url = ?", url)
    code, by_id, _ = newsarchive(capsys, crawled, "show", str(article_id), "--json")
    assert by_id == out, "the archive's id shows another record than the URL"
    messy = url.replace("https://", "http://www.") + "?utm_source=zalo#comments"
    assert newsarchive(capsys, crawled, "show", messy, "--json")[1] == out, "a messy URL's"


def test_show_prints_the_article_for_people(
    capsys: pytest.CaptureFixture[str], crawled: Crawled
) -> None:
    url, record = next((u, r) for u, r in EXPECTED.items() if u != SEED and r["authors"])
    code, out, err = newsarchive(capsys, crawled, "show", url)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[:2] == [record["title"], url]
    for piece in (
        record["published_at"],
        record["sapo"],
        *record["paragraphs"],
        *record["authors"],
        *(image["url"] for image in record["images"]),
    ):
        assert piece in out, f"not shown: {piece!r}"


def test_show_of_an_unknown_article_fails_with_one_line(
    capsys: pytest.CaptureFixture[str], crawled: Crawled
) -> None:
    code, out, err = newsarchive(capsys, crawled, "show", "https://kinhtedothi.vn/none.html")
    assert (code, out) == (1, "")
    assert err == "newsarchive: no article https://kinhtedothi.vn/none.html in the archive\n"


# -- history -------------------------------------------------------------------------------


def test_a_changed_article_is_updated_and_its_earlier_version_kept(crawled: Crawled) -> None:
    assert crawled.second_crawl_counts["updated"] == 1
    [(record, first, last, superseded, raw_page)] = crawled.rows(
        "SELECT r.record, r.first_seen_at, r.last_seen_at, r.superseded_at, p.fetched_at "
        "FROM article_revision AS r JOIN article AS a ON a.id = r.article_id "
        "JOIN raw_page AS p ON p.id = a.raw_page_id WHERE a.url = ?",
        SEED,
    )
    assert without_version(json.loads(record)) == without_version(EXPECTED[SEED])
    assert first <= last < superseded, "the earlier version's times are out of order"
    assert superseded == raw_page, "superseded at another time than the latest fetch"
    assert crawled.rows("SELECT count(*) FROM article_revision") == [(1,)]


def test_show_history_says_what_changed_field_by_field(
    capsys: pytest.CaptureFixture[str], crawled: Crawled
) -> None:
    code, out, err = newsarchive(capsys, crawled, "show", "--history", SEED)
    assert code == 0, err
    assert out.splitlines()[:3] == [NEW_TITLE, SEED, "2 versions"]
    assert "version 1: seen " in out
    assert "version 2: seen " in out
    changes = out.split("version 2: seen ")[1]
    assert "  title:\n    ~ " in changes
    assert "[-tăng-] {+nâng+} sự hài lòng {+của người dân+}" in changes
    assert "  paragraphs:\n" in changes
    assert "[-2,61%-] {+3,15%+}" in changes
    for unchanged in ("sapo", "captions", "authors", "related", "published_at"):
        assert f"  {unchanged}:" not in changes, f"{unchanged} shown as changed"


def test_show_history_json_lists_each_version_with_its_times(
    capsys: pytest.CaptureFixture[str], crawled: Crawled
) -> None:
    code, out, err = newsarchive(capsys, crawled, "show", "--history", "--json", SEED)
    assert code == 0, err
    history = json.loads(out)
    first, second = history["versions"]
    assert history["url"] == SEED
    assert (first["changed"], second["changed"]) == ([], ["title", "paragraphs"])
    assert without_version(first["record"]) == without_version(EXPECTED[SEED])
    assert second["record"]["title"] == NEW_TITLE
    seen = [
        datetime.fromisoformat(v[k])
        for v in (first, second)
        for k in ("first_seen_at", "last_seen_at")
    ]
    assert seen == sorted(seen), "first and last seen out of order"
    assert seen[1] < seen[2], "version 2 was seen before version 1 was last seen"


def test_show_history_of_an_article_seen_once_has_one_version(
    capsys: pytest.CaptureFixture[str], crawled: Crawled
) -> None:
    url = next(u for u in EXPECTED if u != SEED)
    code, out, err = newsarchive(capsys, crawled, "show", url, "--history")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[2:4] == ["1 version", ""]
    assert lines[4].startswith("version 1: seen "), lines[4]
    assert "version 2" not in out


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    with Archive.open(f"sqlite:///{tmp_path / 'a.db'}") as opened:
        yield opened


def test_only_changed_text_or_dates_make_a_revision_not_changed_link_boxes(
    archive: Archive,
) -> None:
    url = f"{SEED}?v=1"
    article = Article(url=url, title="Tin", paragraphs=("Một.",), layout="B")

    def store(version: Article, hour: int) -> str:
        at = datetime.fromisoformat(f"2025-01-01T{hour:02}:00:00+00:00")
        raw = RawPage(url, url, url, 200, "ok", (), b"<html>", at)
        return archive.record_fetch(raw, article=version, page_kind="article")

    latest = (Related("https://kinhtedothi.vn/moi.html", "Tin mới", "latest"),)
    assert store(article, 1) == "new"
    assert store(article, 2) == "unchanged"
    relinked = Article.from_dict({**article.to_dict(), "related": [r.to_dict() for r in latest]})
    assert store(relinked, 3) == "updated"
    versions = archive.history(url) or []
    assert [v.article.title for v in versions] == ["Tin"], "new links made a version of their own"
    retitled = Article.from_dict({**relinked.to_dict(), "title": "Tin sửa"})
    assert store(retitled, 4) == "updated"
    versions = archive.history(url) or []
    assert [v.article.title for v in versions] == ["Tin", "Tin sửa"]
    assert [v.first_seen_at.hour for v in versions] == [1, 4]
    assert [v.last_seen_at.hour for v in versions] == [3, 4]


# -- stats ---------------------------------------------------------------------------------


def test_stats_json_counts_articles_coverage_size_and_the_last_crawl(
    capsys: pytest.CaptureFixture[str], crawled: Crawled
) -> None:
    code, out, err = newsarchive(capsys, crawled, "stats", "--json")
    assert code == 0, err
    stats = json.loads(out)
    records = list(EXPECTED.values())
    assert stats["articles"] == len(records)
    assert stats["revisions"] == 1

    def grouped(key: str) -> dict[Any, int]:
        return {row[key]: row["articles"] for row in stats[f"by_{key}"]}

    assert grouped("layout") == Counter(r["layout"] for r in records)
    assert grouped("month") == Counter(r["published_at"][:7] for r in records)
    assert grouped("category") == Counter(r["category"] for r in records)
    filled = {
        "sapo": sum(r["sapo"] is not None for r in records),
        "authors": sum(bool(r["authors"]) for r in records),
        "captions": sum(bool(r["captions"]) for r in records),
        "published_at": sum(r["published_at"] is not None for r in records),
    }
    for name, count in filled.items():
        assert stats["coverage"][name] == {"articles": count, "share": count / len(records)}
    assert stats["raw_pages"] == crawled.rows("SELECT count(*) FROM raw_page")[0][0]
    assert stats["compressed_bytes"] == crawled.rows("SELECT sum(length(body)) FROM raw_body")[0][0]
    on_disk = sum(p.stat().st_size for p in (crawled.db, Path(f"{crawled.db}-wal")) if p.exists())
    assert stats["file_bytes"] == on_disk
    [(started,)] = crawled.rows("SELECT max(started_at) FROM crawl_run")
    last = stats["last_crawl"]
    # in Hanoi time, as every command shows times, and as exact as stored (JSON is for scripts)
    assert last["started_at"].endswith("+07:00")
    assert datetime.fromisoformat(last["started_at"]) == datetime.fromisoformat(started)
    assert last["exit_status"] == 0
    assert last["counts"]["updated"] == 1


def test_stats_text_shows_each_section(
    capsys: pytest.CaptureFixture[str], crawled: Crawled
) -> None:
    code, out, err = newsarchive(capsys, crawled, "stats")
    assert code == 0, err
    assert out.startswith(f"articles    {len(EXPECTED)}\nrevisions   1\n")
    for heading in (
        "by layout",
        "by month (Hanoi time)",
        "by category",
        "field coverage",
        "size",
        "last crawl",
    ):
        assert f"\n{heading}\n" in out, f"no section {heading!r}"
    sapo = sum(r["sapo"] is not None for r in EXPECTED.values())
    assert re.search(rf"\n  sapo +{sapo} of {len(EXPECTED)} ", out), f"not {sapo} with a sapo"
    urban = sum(r["category"] == "Đô thị" for r in EXPECTED.values())
    assert re.search(rf"\n  Đô thị +{urban}\n", out), f"not {urban} in Đô thị"


@pytest.mark.parametrize(
    "command", [["search", "x"], ["show", "1"], ["export", "--format", "jsonl"], ["stats"]]
)
def test_reading_commands_refuse_a_missing_archive_instead_of_making_one(
    tmp_path: Path, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "typo.db"
    assert cli([*command, "--db", f"sqlite:///{missing}"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1, f"not one line: {err!r}"
    assert "no archive at" in err
    assert not missing.exists(), "the command made an archive where none was"
