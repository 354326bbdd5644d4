"""Bylines → the names citations need: a person's family and given names, or an organisation.

Vietnamese names are written family name first (`Nguyễn Văn An`: family `Nguyễn`) and are cited
as written, never inverted to `An, N. V.` nor cut to initials. Many bylines of the paper are pen
names (`Thu Hằng`) or desks (`PV`, `Nhóm PV`): those have no family name to split off and are
cited whole, as literal names.
"""

from __future__ import annotations

from dataclasses import dataclass

# The commonest Vietnamese family names (together well over nine people in ten).
FAMILY_NAMES = frozenset(
    """
    Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đào Đoàn Đinh
    Lương Trịnh Mai Trương Cao Lâm Tạ Tô Hà Chu Kiều Đàm Quách Thái Vương Lưu Triệu La Lại
    """.split()
)
# First words of a desk, an agency or an institution rather than a person.
_ORGANISATION_WORDS = frozenset(
    """
    Báo Ban Nhóm Tòa Toà Phóng Cổng Sở Bộ Trung Hội Viện Ủy Uỷ Công Tạp Đài Thông Theo
    """.split()
)


@dataclass(frozen=True, slots=True)
class Name:
    """One author: `family` and `given` for a person whose family name is known, else only
    `literal` (a pen name, an organisation), cited whole."""

    text: str
    family: str | None = None
    given: str | None = None
    organisation: bool = False

    @property
    def literal(self) -> bool:
        return self.family is None


def read_name(byline: str) -> Name:
    """A byline as the archive holds it (`Nguyễn Văn An`, `Thu Hằng`, `PV`) as a name."""
    text = " ".join(byline.split())
    words = text.split(" ")
    if _is_organisation(words, text):
        return Name(text, organisation=True)
    if len(words) >= 2 and words[0] in FAMILY_NAMES:
        return Name(text, family=words[0], given=" ".join(words[1:]))
    return Name(text)


def _is_organisation(words: list[str], text: str) -> bool:
    # An acronym (PV, TTXVN, KTĐT), an ampersand, or an institution's first word.
    acronym = any(len(word) >= 2 and word.isupper() for word in words)
    return acronym or "&" in text or words[0] in _ORGANISATION_WORDS
