"""encode_lines: the bytes of a batch, built a chunk at a time, equal those of the joined text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from eventum_core import encode_lines

texts = st.lists(st.text(max_size=40), max_size=700)  # past a few chunk boundaries


@given(texts, st.sampled_from(["\n", "\r\n", "|", ""]))
def test_same_bytes_as_the_joined_text(items: list[str], separator: str) -> None:
    data, failed = encode_lines(items, separator, "utf_8")
    assert (bytes(data), failed) == ("".join(i + separator for i in items).encode(), [])


@given(texts)
def test_unencodable_items_are_left_out_and_named(items: list[str]) -> None:
    data, failed = encode_lines(items, "\n", "latin_1")
    bad = []
    for index, item in enumerate(items):
        try:
            item.encode("latin_1")
        except UnicodeEncodeError:
            bad.append(index)
    kept = [i for n, i in enumerate(items) if n not in bad]
    assert (bytes(data), failed) == ("".join(i + "\n" for i in kept).encode("latin_1"), bad)


def test_a_byte_order_mark_once_per_batch() -> None:
    items = [f"event {n}" for n in range(1000)]
    data, _ = encode_lines(items, "\n", "utf_16")
    assert bytes(data).decode("utf_16") == "".join(f"{i}\n" for i in items)
    assert bytes(data).count(b"\xff\xfe") == 1


def test_text_wider_than_a_byte_a_character_grows_the_buffer() -> None:
    items = ["\u043f\u0440\u0438\u0432\u0435\u0442 \U0001f600"] * 600
    data, failed = encode_lines(items, "\n", "utf_8")
    assert (bytes(data), failed) == ("\n".join([*items, ""]).encode(), [])
