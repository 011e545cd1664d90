"""A leaked list is hostile input: whatever the file holds, reading and matching it either
works or says what is wrong (InvalidInput), never another exception."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ryoken.errors import InvalidInput
from ryoken.incident.leaks import HEADERS, LeakedRow, TokenIndex, TokenMatcher, read_leaked_csv
from ryoken.privacy.blind_index import BlindIndexer

INDEXER = BlindIndexer(b"k" * 32)
MATCHER = TokenMatcher(
    INDEXER,
    TokenIndex(
        {"ds_A": {"name_kanji": INDEXER.tokens_for("name_kanji", "高橋 一郎")}}  # one person
    ),
)

KNOWN_HEADERS = sorted(HEADERS)
CELL = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["1990-01-02", "平成2年1月2日", "０３－１２３４－５６７８", "髙橋 一郎", ""]),
    st.text(alphabet='",\r\n\x00\ufeff', max_size=6),  # what breaks a naive CSV reader
)


def _csv(rows: list[list[str]]) -> str:
    def quote(cell: str) -> str:
        return '"' + cell.replace('"', '""') + '"' if any(c in cell for c in '",\r\n') else cell

    return "\n".join(",".join(quote(c) for c in row) for row in rows)


@settings(max_examples=150)
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300)))
def test_anything_at_all_is_read_or_refused_with_a_reason(data):
    try:
        rows = read_leaked_csv(data)
    except InvalidInput as error:
        assert error.message and error.message_ja
        return
    assert all(isinstance(r, LeakedRow) and r.values for r in rows)
    for row in rows:
        MATCHER.match(row)  # normalisation refuses a value by reporting it unusable


@settings(max_examples=100)
@given(
    header=st.lists(st.one_of(st.sampled_from(KNOWN_HEADERS), st.text(max_size=8)), max_size=6),
    body=st.lists(st.lists(CELL, max_size=7), max_size=8),
)
def test_a_csv_with_known_columns_gives_rows_that_match_or_are_unusable(header, body):
    text = _csv([header, *body])
    try:
        rows = read_leaked_csv(text.encode("utf-8"))
    except InvalidInput as error:
        assert error.message
        return
    for row in rows:
        assert 1 <= row.row <= len(body) + text.count("\n")
        result = MATCHER.match(row)
        assert set(result.unusable) <= set(row.values)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("氏名,生年月日\n高橋 一郎,1990-01-02\n".encode("shift_jis"), "not UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not UTF-8"),
        ('name\n"' + "a" * 200_000 + '"\n', "not a readable CSV"),
        (b"", "empty"),
        (b"\xef\xbb\xbf", "empty"),
        ("単価,数量\n100,2\n", "none of the known columns"),
    ],
)
def test_it_refuses_what_a_person_may_well_upload_by_mistake(data, reason):
    with pytest.raises(InvalidInput, match=reason) as caught:
        read_leaked_csv(data)
    assert caught.value.message_ja != caught.value.message  # a Japanese message for the page
