from eventum_output_kafka.watermark import MAX_GAPS, Watermark


def test_committed_batches_survive_the_round_trip_through_offset_metadata() -> None:
    mark = Watermark()
    assert not mark.committed(0)
    assert mark.advance(3, {3})
    assert mark.advance(9, {5})  # batch 5 failed (or is in flight): a gap below the top
    offset, metadata = mark.encode()
    back = Watermark.decode(offset, metadata)
    assert (back.top, back.gaps) == (9, {5})
    assert [b for b in range(12) if back.committed(b)] == [0, 1, 2, 3, 4, 6, 7, 8, 9]
    assert back.advance(5, set())  # the rerun commits the gap
    assert back.gaps == set() and back.committed(5)


def test_no_offset_means_nothing_committed() -> None:
    assert Watermark.decode(-1, "").top == -1
    assert not Watermark.decode(0, "").committed(0)


def test_too_many_gaps_stop_the_watermark_instead_of_growing_it() -> None:
    mark = Watermark()
    assert not mark.advance(MAX_GAPS + 10, set(range(MAX_GAPS + 2)))
    assert mark.full and mark.top == -1
