"""Real pages kept as fixtures: one page fetched and saved with its URL and capture date and a
draft of its expected record; and every saved page read again against its expected record.

A fixture `NAME` is three files: `NAME.html` (the body as received, content codings undone),
`NAME.capture.json` (where and when it was captured, and whether a person has checked the
draft) and `NAME.expected.json` (the record, or `{"not_article": KIND}`).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..config import Config
from ..errors import CaptureError, FixtureExists
from ..fetch import Fetcher, FetchResult
from ..parse import NotAnArticle, parse_article
from ..site import urls as site_urls

PAGE_SUFFIX = ".html"
SIDECAR_SUFFIX = ".capture.json"
EXPECTED_SUFFIX = ".expected.json"
IGNORED_FIELDS = ("parser_version",)  # a new parser version alone changes no fixture
_UNSAFE = re.compile(r"[^a-z0-9.-]+")


@dataclass(frozen=True, slots=True)
class Captured:
    name: str
    page: Path
    sidecar: Path
    expected: Path
    record: dict[str, Any]  # the draft written


@dataclass(frozen=True, slots=True)
class Difference:
    name: str
    field: str
    expected: Any
    found: Any


def site_url_of(url: str, base_url: str | None) -> tuple[str, str]:
    """(the site's URL, where to fetch it from) for a URL given on the command line: a site URL
    (fetched from `base_url` if given), or a mirror's URL standing for the same path."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CaptureError(f"not an http(s) URL: {url!r}")
    if site_urls.is_site_host(parts.hostname):
        site = site_urls.canonical_url(url)
        return site, site_urls.to_fetch_url(site, base_url) if base_url else url
    mirror = f"{parts.scheme}://{parts.netloc}"
    return site_urls.from_fetch_url(url, mirror), url


def fixture_name(site_url: str) -> str:
    """`slug.779416` for `https://kinhtedothi.vn/slug.779416.html`; `index` for the home page."""
    path = urlsplit(site_url).path.strip("/")
    name = path.removesuffix(PAGE_SUFFIX).replace("/", "-") or "index"
    return _UNSAFE.sub("-", name.lower()).strip("-") or "index"


async def capture(config: Config, url: str, out_dir: Path, *, force: bool = False) -> Captured:
    base = config.crawl.base_url or None
    site, fetch_url = site_url_of(url, base)
    name = fixture_name(site)
    paths = [
        out_dir / f"{name}{suffix}" for suffix in (PAGE_SUFFIX, SIDECAR_SUFFIX, EXPECTED_SUFFIX)
    ]
    existing = [p for p in paths if p.exists()]
    if existing and not force:
        raise FixtureExists(f"{existing[0]} exists; --force replaces it")
    hosts = {site_urls.MAIN_HOST, f"www.{site_urls.MAIN_HOST}", *config.crawl.extra_hosts}
    hosts.add(urlsplit(fetch_url).netloc.lower())
    async with Fetcher(config.fetch, hosts) as fetcher:
        result = await fetcher.fetch(fetch_url)
    if result.outcome != "ok":
        raise CaptureError(f"cannot capture {fetch_url}: {result.error or result.outcome}")
    record = draft_record(result.body, site)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        paths[0].write_bytes(result.body)
        _write_json(paths[1], _sidecar(site, result))
        _write_json(paths[2], record)
    except OSError as exc:
        raise CaptureError(f"cannot write to {out_dir}: {exc.strerror}") from None
    page, sidecar, expected = paths
    return Captured(name, page, sidecar, expected, record)


def draft_record(body: bytes, site_url: str) -> dict[str, Any]:
    """What the parser makes of the page now: the record, or what the page is instead."""
    try:
        return parse_article(body, site_url).to_dict()
    except NotAnArticle as exc:
        return {"not_article": exc.kind}


def recheck(directory: Path) -> tuple[list[str], list[Difference]]:
    """(the fixtures read, the fields whose value differs from the expected record)."""
    names: list[str] = []
    differences: list[Difference] = []
    for sidecar in sorted(directory.glob(f"*{SIDECAR_SUFFIX}")):
        name = sidecar.name.removesuffix(SIDECAR_SUFFIX)
        names.append(name)
        try:
            meta = json.loads(sidecar.read_text(encoding="utf-8"))
            body = (directory / f"{name}{PAGE_SUFFIX}").read_bytes()
            expected = json.loads(
                (directory / f"{name}{EXPECTED_SUFFIX}").read_text(encoding="utf-8")
            )
            found = draft_record(body, str(meta["url"]))
        except (OSError, ValueError, KeyError) as exc:
            differences.append(Difference(name, "(files)", "readable fixture", _cause(exc)))
            continue
        for key in dict.fromkeys([*expected, *found]):
            if key in IGNORED_FIELDS:
                continue
            if expected.get(key) != found.get(key):
                differences.append(Difference(name, key, expected.get(key), found.get(key)))
    return names, differences


def unchecked(directory: Path) -> list[str]:
    """Fixtures whose draft no person has marked checked in its sidecar yet."""
    names = []
    for sidecar in sorted(directory.glob(f"*{SIDECAR_SUFFIX}")):
        try:
            if not json.loads(sidecar.read_text(encoding="utf-8")).get("checked_by_eye"):
                names.append(sidecar.name.removesuffix(SIDECAR_SUFFIX))
        except (OSError, ValueError, AttributeError):
            continue
    return names


def _sidecar(site: str, result: FetchResult) -> dict[str, Any]:
    content_type = next((v for k, v in result.headers if k.lower() == "content-type"), None)
    return {
        "url": site,
        "fetched_from": result.final_url,
        "captured_at": result.fetched_at.isoformat(timespec="seconds"),
        "status": result.status,
        "content_type": content_type,
        "sha256": hashlib.sha256(result.body).hexdigest(),
        # A person sets this to true once the expected record has been checked against the page.
        "checked_by_eye": False,
    }


def _write_json(path: Path, value: dict[str, Any]) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _cause(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return f"{exc.filename}: {exc.strerror}"
    return f"{type(exc).__name__}: {exc}"
