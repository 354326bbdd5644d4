"""The benchmarks of `make bench` keep working: each runs here on a tiny input. Nothing is timed
here. The rival tools come with the `bench` extra, which `make test` installs."""

from __future__ import annotations

import copyreg
import json
import pickle
import sqlite3
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import (  # noqa: E402
    choices,
    crawl_speed,
    fidelity,
    parse_speed,
    rivals,
    search_speed,
    store_speed,
)
from bench.common import (  # noqa: E402
    FIXTURES,
    FixtureArticle,
    FixturePage,
    PageSet,
    fixture_articles,
    generic_sets,
)
from bench.generate import GENERATOR_VERSION, Replica, cached_site, real_size_pages  # noqa: E402
from bench.profiling import LIBRARY_PLACES, PARSE_RULES, summarize  # noqa: E402
from newsarchive import Article, parse_article  # noqa: E402


def test_every_generated_page_parses_to_the_record_the_generator_made() -> None:
    site = Replica(60, seed=3)
    assert {spec.layout for spec in site.specs} == {"A", "B", "C"}
    for spec in site.specs:
        record = parse_article(site.page(spec.index), spec.url).to_dict()
        expected = site.article(spec.index).to_dict()
        del record["parser_version"], expected["parser_version"]
        assert record == expected, spec.path


def test_generated_articles_differ_from_one_another() -> None:
    site = Replica(40, seed=3)
    bodies = {site.article(i).body_text for i in range(40)}
    titles = {site.article(i).title for i in range(40)}
    assert len(bodies) == 40, "two generated articles have the same body"
    assert len(titles) > 30, "more than a few generated titles repeat"


def test_a_generated_site_lists_every_article_in_its_sitemaps(tmp_path: Path) -> None:
    root = cached_site(30, tmp_path)
    site = Replica(30)
    assert (root / "404.html").is_file() and (root / "robots.txt").is_file()
    listed = "".join(p.read_text("utf-8") for p in (root / "sitemaps").glob("*.xml"))
    for spec in site.specs:
        assert (root / spec.path.lstrip("/")).is_file()
        assert f"<loc>https://kinhtedothi.vn{spec.path}</loc>" in listed
    assert (root / "kinh-te" / "index.html").is_file()
    assert (root / "rss" / "home.rss").is_file()


def test_the_parse_benchmark_reports_newsarchive_against_the_bare_parse() -> None:
    pages = fixture_articles(2)
    outcome = parse_speed.run(pages, repeat=1, rival_repeat=1, rivals={}, profile=False)
    first = outcome.figures[0]
    assert first.section == "1. Parse speed"
    assert "LexborHTMLParser" in first.against
    # Not how fast (nothing is timed here): that the line's verdict is the one its figures imply.
    ratio = outcome.numbers["parse_newsarchive_ms"] / outcome.numbers["parse_lexbor_ms"]
    assert first.ratio == f"{ratio:.1f}× the floor", "the line shows another ratio than measured"
    assert first.bar == f"≤ {parse_speed.MAX_PARSE_RATIO:g}× the floor"
    assert first.met is (ratio <= parse_speed.MAX_PARSE_RATIO), "verdict against its own figures"


def test_a_parse_profile_says_where_the_time_goes() -> None:
    lines = parse_speed._profile(fixture_articles(2), 1)
    assert lines[0].startswith("### Where `parse_article` spends its time")


def test_the_fidelity_benchmark_finds_every_field_of_ours_exact() -> None:
    outcome = fidelity.run(fixture_articles(2), rivals={})
    assert outcome.figures[0].met is True
    assert outcome.numbers["fidelity_newsarchive"]["f1"] == 1.0


def test_the_rival_tools_read_the_pages_they_are_given() -> None:
    missing = rivals.missing()
    assert not missing, "; ".join(missing.values())
    found = rivals.extractors()
    pages = fixture_articles(2)
    speed = parse_speed.run(pages, repeat=1, rival_repeat=1, rivals=found, profile=False)
    assert [f.what for f in speed.figures][1:] == [
        f"`parse_article` vs {name}" for name in ("trafilatura", "newspaper4k", "goose3")
    ]
    listing_html = (FIXTURES / "kinh-te" / "index.html").read_bytes()
    listing = FixturePage("kinh-te", listing_html, "https://kinhtedothi.vn/kinh-te/", "listing")
    tiny = PageSet("tiny", pages, [listing])
    scores = fidelity.run(pages, rivals=found, sets=[tiny]).numbers
    for name in found:
        assert scores[f"fidelity_{name}"]["f1"] > 0.5  # they read the body, not an empty page
        by_set = scores["fidelity_sets"]["tiny"]["tools"][name]
        assert by_set["f1"] > 0.5 and by_set["refused"] == 0
        assert by_set["others_with_body"] in (0, 1)  # they never refuse; some find no body
    ours = scores["fidelity_sets"]["tiny"]["tools"]["newsarchive"]
    assert ours["others_refused"] == 1 and ours["titles"] == ours["dates"] == 2


def test_page_sets_are_read_from_their_folders_in_name_order(tmp_path: Path) -> None:
    site = fixture_articles(1)[0]
    for name in ("b-set", "a-set"):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "one.html").write_bytes(site.html)
        (folder / "one.expected.json").write_text(json.dumps(site.expected), "utf-8")
        (folder / "tags.html").write_text("<html><body>tags</body></html>", "utf-8")
        listing = [
            {"file": "one.html", "url": "https://kinhtedothi.vn/x.html", "kind": "article"},
            {"file": "tags.html", "url": "https://kinhtedothi.vn/tags/x", "kind": "tag"},
        ]
        (folder / "pages.json").write_text(json.dumps(listing), "utf-8")
    (tmp_path / "being-written").mkdir()  # no pages.json yet: not a set
    sets = generic_sets(tmp_path)
    assert [s.name for s in sets] == ["a-set", "b-set"]
    (article,) = sets[0].articles
    assert isinstance(article, FixtureArticle) and article.expected == site.expected
    assert article.fetched_url == "https://kinhtedothi.vn/x.html"
    assert [(p.name, p.kind) for p in sets[0].others] == [("tags", "tag")]


def test_the_fidelity_benchmark_reports_each_page_set_against_its_bar() -> None:
    pages = fixture_articles(2)
    outcome = fidelity.run(pages, rivals={}, sets=[PageSet("tiny", pages)])
    by_set = [f for f in outcome.figures if f.section == fidelity.SET_SECTION]
    assert [f.what.split(":")[0] for f in by_set] == ["site", "site-generic", "tiny"]
    assert by_set[0].met is True and by_set[2].met is True
    assert outcome.numbers["fidelity_sets"]["site-generic"]["generic_only"] is True
    assert any(line.startswith("| tiny | newsarchive | 2 | 1.000 |") for line in outcome.details)


def test_a_rival_time_counts_once_it_is_in_hanoi_time() -> None:
    assert fidelity.hanoi_minute("2025-06-12T02:15:00Z") == "2025-06-12T09:15+07:00"
    assert fidelity.hanoi_minute("2025-06-12T09:15:59+0700") == "2025-06-12T09:15+07:00"
    assert fidelity.hanoi_minute(datetime(2025, 6, 12, 2, 15, tzinfo=UTC)) == (
        "2025-06-12T09:15+07:00"
    )
    for unsure in ("2025-06-12T09:15:00", "2025-06-12", "12/06/2025 09:15", "", None):
        assert fidelity.hanoi_minute(unsure) is None
    assert fidelity.same_minute("2025-06-12T02:15:00+00:00", "2025-06-12T09:15:00+07:00")
    assert not fidelity.same_minute("2025-06-12T09:15:00", "2025-06-12T09:15:00+07:00")
    assert fidelity.same_minute(None, None) and not fidelity.same_minute("2025-06-12", None)


def test_body_token_f1_counts_four_word_shingles() -> None:
    assert fidelity.token_f1("a b c d e", "a b c d e") == 1.0
    # {abcd, bcde} against {abcd, bcdx}: one shingle in common of two each.
    assert fidelity.token_f1("a b c d e", "a b c d x") == 0.5
    assert fidelity.token_f1("", "a b c d") == 0.0


def test_a_caption_inside_a_body_is_a_leak() -> None:
    expected = {"body_text": "Đoạn một.", "captions": ["Ảnh minh họa"], "related": []}
    assert fidelity.leaks("Đoạn một.\nẢnh minh  họa", expected) == ["Ảnh minh họa"]
    assert fidelity.leaks("Đoạn một.", expected) == []


def test_the_store_floor_writes_exactly_the_rows_the_store_wrote(tmp_path: Path) -> None:
    outcome = store_speed.run(20, 5, tmp_path, profile=False)
    # Not how fast (nothing is timed here): that the line's verdict is the one its figures imply.
    figure = outcome.figures[0]
    rate, floor_rate = outcome.numbers["store_rate"], outcome.numbers["store_floor_rate"]
    assert figure.value == f"{rate:,.0f} articles/s", "the line shows another rate than measured"
    bar = rate / floor_rate >= store_speed.MIN_FLOOR_SHARE and rate >= store_speed.MIN_RATE
    assert figure.met is bar, "verdict against its own figures"
    tables = store_speed.tables_in_order(tmp_path / "store.db")
    assert "article_fts" in tables and "article" in tables
    with sqlite3.connect(tmp_path / "store.db") as a, sqlite3.connect(tmp_path / "floor.db") as b:
        for table in tables:
            query = f'SELECT count(*) FROM "{table}"'
            assert a.execute(query).fetchone() == b.execute(query).fetchone(), table
        assert a.execute("SELECT count(*) FROM article").fetchone() == (20,)
        assert a.execute("SELECT count(*) FROM raw_page").fetchone() == (25,)


def test_the_crawl_benchmark_crawls_a_generated_replica_whole(tmp_path: Path) -> None:
    outcome, result = crawl_speed.run_throughput(
        20, tmp_path, tmp_path / "cache", concurrency=2, profile=False
    )
    assert result["articles"] == 20
    assert result["exit_status"] == 0
    assert outcome.figures[0].section == "4. Crawl throughput"
    memory = crawl_speed.run_memory(
        (20, 30), tmp_path, tmp_path / "cache", concurrency=2, known={20: result}
    )
    assert [f.section for f in memory.figures] == ["5. Memory"] * 3
    assert memory.numbers["rss_mb"][30] > 0


def test_the_crawl_bounds_follow_from_the_cpu_per_page() -> None:
    # 1 s of CPU in the crawl's process and 1 s in its workers over 1,000 pages: 2 ms a page,
    # so 2 cores allow 1,000 pages/s, as does the crawl's own 1 ms a page; the floor's 0.5 ms
    # a page puts the bar (3× it) at 1.5 ms a page in all.
    lines = crawl_speed.cpu_bounds(
        {"crawl": 1.0, "workers": 1.0}, 1000, {"loop": 0.25}, 500, floor_rate=2000, cores=2
    )
    assert "| crawl | 1.00 | – |" in lines
    assert "| loop | – | 0.50 |" in lines
    assert "| all | 2.00 | 0.50 |" in lines
    conclusion = lines[-2]
    assert "at most 1,000 pages/s (0.50 of the floor)" in conclusion
    assert "3× the floor's CPU a page, is 1.50 ms of CPU a page in all" in conclusion
    # One core: the cores bound it (500 pages/s), not the crawl's own process.
    one = crawl_speed.cpu_bounds({"crawl": 1.0, "workers": 1.0}, 1000, {}, 1, 2000, cores=1)
    assert "at most 500 pages/s (0.25 of the floor)" in one[-2]


def test_the_parse_profile_says_what_the_library_calls_alone_cost() -> None:
    places = Counter({place: 10 for place, _ in PARSE_RULES[:LIBRARY_PLACES]})
    places["newsarchive.parse's own Python"] = 100  # ours: not counted
    (line,) = parse_speed._library_floor(places)
    assert f"take {LIBRARY_PLACES:.1f}× the samples of the parse" in line


def test_the_search_benchmark_runs_its_searches_and_listing(tmp_path: Path) -> None:
    outcome = search_speed.run(200, tmp_path)
    assert outcome.figures[0].section == "6. Search"
    # The first table (a loaded machine may add a diagnosis after it, with a row per query).
    after = outcome.details[1:]
    table = after[: next((i for i, line in enumerate(after) if line.startswith("### ")), None)]
    rows = [line for line in table if line.startswith("| `")]
    assert len(rows) == len(search_speed.QUERIES) + 1 == 12, "a row per search and the listing"
    # Built once, then reused.
    assert (tmp_path / f"search-200-g{GENERATOR_VERSION}.db.complete").exists()


def test_profile_samples_are_charged_to_the_first_matching_place() -> None:
    raw = (
        "main (x.py:1);parse_pages (bench/profile_target.py:3);clean (parse/text.py:9) 3\n"
        "main (x.py:1);parse_pages (bench/profile_target.py:3);_labels (newsarchive/parse/a.py:2) 1\n"
        "main (x.py:1);setup (bench/x.py:1) 5\n"
    )
    rules = (("text", ("parse/text.py",)), ("parse", ("newsarchive/parse/",)))
    lines = summarize(raw, rules, within="parse_pages", title="t")
    assert "| text | 3 | 75% |" in lines
    assert "| parse | 1 | 25% |" in lines


def test_the_choices_benchmark_reports_each_choice_against_its_alternative() -> None:
    outcome = choices.run(real_size_pages(2), repeat=1, requests=2)
    pickling, sniffio = outcome.figures
    numbers = outcome.numbers
    assert (pickling.section, sniffio.section) == ("7. Choices", "7. Choices")
    # Not how fast (nothing is timed here): that each line shows what was measured.
    ratio = numbers["pickle_by_fields_us"] / numbers["pickle_dataclass_us"]
    assert pickling.ratio == f"{ratio:.2f}× the dataclass pickle", "another ratio than measured"
    assert pickling.met is (ratio < 1), "verdict against its own figures"
    assert sniffio.value == f"{numbers['sniffio_failed_import_ms']:.3f} ms"
    failed_over_present = numbers["sniffio_failed_import_ms"] * 1000 / numbers["sniffio_import_us"]
    assert sniffio.ratio == f"{failed_over_present:,.0f}× the import installed"
    assert numbers["sniffio_imports_per_request"] >= 1, (
        "httpcore's imports of sniffio went uncounted: current_async_library moved?"
    )


def test_the_pickling_baseline_is_the_dataclass_pickle_then_ours_again() -> None:
    page = fixture_articles(1)[0]
    article = parse_article(page.html, page.url)
    protocol = pickle.HIGHEST_PROTOCOL
    assert article.__reduce_ex__(protocol)[0] is Article, "not pickled by fields to begin with"
    with choices.dataclass_pickling():
        assert article.__reduce_ex__(protocol)[0] is copyreg.__newobj__, "not as a dataclass"
        assert pickle.loads(pickle.dumps(article, protocol)) == article
    assert article.__reduce_ex__(protocol)[0] is Article, "pickling by fields not put back"
