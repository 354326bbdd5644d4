"""Settings: `config.toml` read, checked and typed. Every key and default is documented there."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .errors import ConfigError

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(key: str, text: str, *, zero: bool = False) -> timedelta:
    """`90`, `90s`, `30m`, `2h`, `1d`, `1w`: a positive span of time (or nothing, `0`, where
    `zero` allows it); ConfigError naming `key`."""
    match = _DURATION.match(text)
    if not match or float(match[1]) < 0 or (float(match[1]) == 0 and not zero):
        raise ConfigError(f"{key} must be a duration such as 90s, 30m, 2h or 1d, not {text!r}")
    return timedelta(seconds=float(match[1]) * _UNIT_SECONDS[match[2]])


@dataclass(frozen=True)
class RevisitRule:
    """Revisit an archived article `every` so long, while it is younger than `younger_than`."""

    every: timedelta
    younger_than: timedelta


def parse_revisit(key: str, rules: tuple[str, ...]) -> tuple[RevisitRule, ...]:
    """`("1h@1d", "1d@7d")`: hourly while under a day old, daily while under a week, then never."""
    parsed: list[RevisitRule] = []
    for text in rules:
        every, at, age = text.partition("@")
        if not at:
            raise ConfigError(f"{key}: {text!r} must read EVERY@AGE, such as 1h@1d")
        rule = RevisitRule(parse_duration(key, every), parse_duration(key, age))
        if parsed and rule.younger_than <= parsed[-1].younger_than:
            raise ConfigError(f"{key}: ages must grow from one rule to the next ({text!r})")
        parsed.append(rule)
    return tuple(parsed)


# The contact config.toml ships with: it names the project, not the person running the crawl, so
# a crawl of the live site refuses it (a mirror, such as the demo's replica, takes it).
PLACEHOLDER_CONTACT_URL = "https://github.com/newsarchive/newsarchive"


@dataclass(frozen=True)
class FetchSettings:
    user_agent: str = "newsarchive/0.1"
    contact_url: str = PLACEHOLDER_CONTACT_URL
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    delay: float = 1.0
    concurrency: int = 2
    max_body_bytes: int = 10_000_000
    retries: int = 4
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    obey_robots: bool = True
    slow_response: float = 5.0
    page_deadline: float = 300.0

    @property
    def user_agent_header(self) -> str:
        return f"{self.user_agent} (+{self.contact_url})"

    @property
    def contact_is_placeholder(self) -> bool:
        return self.contact_url.rstrip("/") == PLACEHOLDER_CONTACT_URL


@dataclass(frozen=True)
class CrawlSettings:
    base_url: str = ""
    max_pages: int = 0
    listing_pages: int = 2
    # "0": a section's next pages every run, like its first page: between two runs of a daily
    # cron, the day's articles push yesterday's from page 1 onto page 2.
    listing_revisit: str = "0"
    extra_hosts: tuple[str, ...] = ()
    revisit: tuple[str, ...] = ("1h@1d", "1d@7d")
    failure_window: int = 30
    failure_share: float = 0.8
    # No page from the site for this long, only refusals and failures: it is down, stop (exit 5).
    give_up_after: str = "2m"
    alarm_missing_share: float = 0.1
    write_batch: int = 200
    parse_workers: int = 1

    @property
    def revisit_rules(self) -> tuple[RevisitRule, ...]:
        """`revisit` read (it was checked when the config was loaded)."""
        return parse_revisit("crawl.revisit", self.revisit)

    @property
    def give_up_seconds(self) -> float:
        """`give_up_after` read (checked when the config was loaded), in seconds."""
        return parse_duration("crawl.give_up_after", self.give_up_after).total_seconds()

    @property
    def listing_revisit_after(self) -> timedelta:
        """`listing_revisit` read (checked when the config was loaded); 0: every run."""
        return parse_duration("crawl.listing_revisit", self.listing_revisit, zero=True)


@dataclass(frozen=True)
class StoreSettings:
    url: str = "sqlite:///archive.db"


@dataclass(frozen=True)
class ArchiveSettings:
    warc: bool = False
    warc_dir: str = "warc"
    warc_max_bytes: int = 1_000_000_000


@dataclass(frozen=True)
class Config:
    fetch: FetchSettings = field(default_factory=FetchSettings)
    crawl: CrawlSettings = field(default_factory=CrawlSettings)
    store: StoreSettings = field(default_factory=StoreSettings)
    archive: ArchiveSettings = field(default_factory=ArchiveSettings)

    def with_overrides(
        self,
        *,
        db: str | None = None,
        base_url: str | None = None,
        max_pages: int | None = None,
        warc_dir: str | None = None,
    ) -> Config:
        """Command-line options win over the file; they are checked like the file's values."""
        crawl = self.crawl
        if base_url is not None:
            crawl = replace(crawl, base_url=_check_url("--base-url", base_url))
        if max_pages is not None:
            if max_pages < 0:
                raise ConfigError("--max-pages must be 0 (no limit) or more")
            crawl = replace(crawl, max_pages=max_pages)
        store = replace(self.store, url=_check_db_url("--db", db)) if db is not None else self.store
        archive = self.archive
        if warc_dir is not None:
            if not warc_dir.strip():
                raise ConfigError("--warc needs a directory")
            archive = replace(archive, warc=True, warc_dir=warc_dir)
        return replace(self, crawl=crawl, store=store, archive=archive)


def load_config(path: str | Path | None) -> Config:
    """Read `path`; None or a missing default file gives the defaults."""
    if path is None:
        return Config()
    path = Path(path)
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    return parse_config(raw)


def parse_config(raw: dict[str, Any]) -> Config:
    sections: dict[str, type[Any]] = {
        "fetch": FetchSettings,
        "crawl": CrawlSettings,
        "store": StoreSettings,
        "archive": ArchiveSettings,
    }
    unknown = set(raw) - set(sections)
    if unknown:
        raise ConfigError(f"unknown section [{sorted(unknown)[0]}] in config")
    built = {name: _section(name, cls, raw.get(name, {})) for name, cls in sections.items()}
    config = Config(**built)
    _validate(config)
    return config


def _section(name: str, cls: type[Any], values: Any) -> Any:
    if not isinstance(values, dict):
        raise ConfigError(f"[{name}] must be a table")
    known = {f.name: f for f in fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        if key not in known:
            raise ConfigError(f"unknown key {name}.{key}")
        default = getattr(cls(), key)
        kwargs[key] = _coerce(f"{name}.{key}", value, default)
    return cls(**kwargs)


def _coerce(key: str, value: Any, default: Any) -> Any:
    # bool before int: in Python a bool is an int, in TOML it is not.
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{key} must be true or false, not {value!r}")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key} must be a whole number, not {value!r}")
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{key} must be a number, not {value!r}")
        return float(value)
    if isinstance(default, tuple):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{key} must be a list of strings")
        return tuple(value)
    if not isinstance(value, str):
        raise ConfigError(f"{key} must be a string, not {value!r}")
    return value


def _validate(config: Config) -> None:
    f = config.fetch
    positive = {
        "fetch.connect_timeout": f.connect_timeout,
        "fetch.read_timeout": f.read_timeout,
        "fetch.concurrency": f.concurrency,
        "fetch.max_body_bytes": f.max_body_bytes,
        "fetch.backoff_max": f.backoff_max,
        "fetch.slow_response": f.slow_response,
        "fetch.page_deadline": f.page_deadline,
        "crawl.failure_window": config.crawl.failure_window,
        "crawl.write_batch": config.crawl.write_batch,
    }
    for key, value in positive.items():
        if value <= 0:
            raise ConfigError(f"{key} must be greater than 0, not {value}")
    non_negative = {
        "fetch.delay": f.delay,
        "fetch.retries": f.retries,
        "fetch.backoff_base": f.backoff_base,
        "crawl.max_pages": config.crawl.max_pages,
        "crawl.listing_pages": config.crawl.listing_pages,
        "crawl.parse_workers": config.crawl.parse_workers,
    }
    for key, value in non_negative.items():
        if value < 0:
            raise ConfigError(f"{key} must be 0 or more, not {value}")
    if not 0 < config.crawl.failure_share <= 1:
        raise ConfigError(
            f"crawl.failure_share must be above 0 and at most 1, not {config.crawl.failure_share}"
        )
    if not 0 <= config.crawl.alarm_missing_share <= 1:
        raise ConfigError(
            "crawl.alarm_missing_share must be between 0 and 1, "
            f"not {config.crawl.alarm_missing_share}"
        )
    parse_revisit("crawl.revisit", config.crawl.revisit)
    parse_duration("crawl.listing_revisit", config.crawl.listing_revisit, zero=True)
    parse_duration("crawl.give_up_after", config.crawl.give_up_after)
    if not f.user_agent.strip():
        raise ConfigError("fetch.user_agent must not be empty")
    _check_url("fetch.contact_url", f.contact_url)
    if config.crawl.base_url:
        _check_url("crawl.base_url", config.crawl.base_url)
    for host in config.crawl.extra_hosts:
        if not host.endswith(".kinhtedothi.vn"):
            raise ConfigError(f"crawl.extra_hosts: {host!r} is not a kinhtedothi.vn subdomain")
    _check_db_url("store.url", config.store.url)
    if config.archive.warc_max_bytes <= 0:
        raise ConfigError(
            f"archive.warc_max_bytes must be greater than 0, not {config.archive.warc_max_bytes}"
        )
    if not config.archive.warc_dir.strip():
        raise ConfigError("archive.warc_dir must not be empty")


def _check_url(key: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{key} must be an http(s) URL, not {value!r}")
    return value


def _check_db_url(key: str, value: str) -> str:
    if "://" not in value:
        raise ConfigError(f"{key} must be a SQLAlchemy URL such as sqlite:///archive.db")
    return value
