"""config.toml: documented defaults are the real defaults; bad values are refused by key."""

from pathlib import Path

import pytest

from newsarchive.config import Config, ConfigError, load_config

ROOT = Path(__file__).resolve().parent.parent


def test_the_shipped_config_documents_exactly_the_defaults() -> None:
    assert load_config(ROOT / "config.toml") == Config()


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("[fetch]\ndelay = -1\n", "fetch.delay"),
        ("[fetch]\nconcurrency = 0\n", "fetch.concurrency"),
        ("[fetch]\nconcurrency = 'two'\n", "fetch.concurrency"),
        ("[fetch]\nobey_robots = 1\n", "fetch.obey_robots"),
        ("[fetch]\ndelai = 1\n", "fetch.delai"),
        ("[crawl]\nbase_url = 'ftp://x'\n", "crawl.base_url"),
        ("[crawl]\nextra_hosts = ['example.com']\n", "crawl.extra_hosts"),
        ("[store]\nurl = 'archive.db'\n", "store.url"),
        ("[fetcher]\n", "[fetcher]"),
    ],
)
def test_a_bad_value_is_refused_naming_its_key(tmp_path: Path, text: str, names: str) -> None:
    with pytest.raises(ConfigError, match=names.replace("[", r"\[").replace("]", r"\]")):
        load_config(_write(tmp_path, text))


def test_broken_toml_and_missing_files_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(_write(tmp_path, "[fetch\n"))
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")


def test_command_line_overrides_are_checked_too() -> None:
    config = Config().with_overrides(db="sqlite:///x.db", base_url="http://127.0.0.1:1")
    assert config.store.url == "sqlite:///x.db"
    assert config.crawl.base_url == "http://127.0.0.1:1"
    with pytest.raises(ConfigError, match="--max-pages"):
        Config().with_overrides(max_pages=-1)
    with pytest.raises(ConfigError, match="--base-url"):
        Config().with_overrides(base_url="nope")
