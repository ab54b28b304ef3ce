"""Greedy label placement (hotspots.present.label_layout)."""

from __future__ import annotations

from hotspots.present.label_layout import Label, layout_labels, overlaps, text_width


def _boxes(placed):
    return [p.box for p in placed if p is not None]


def test_a_lone_label_stays_on_its_anchor():
    (p,) = layout_labels([Label(10, 10, 4, 4, "1", "disc", True)])
    assert (p.cx, p.cy, p.moved) == (10, 10, False)


def test_crowded_discs_all_placed_without_overlap_with_leader_lines():
    labels = [Label(50, 50, 10, 10, str(k), "disc", True) for k in range(12)]
    placed = layout_labels(labels, bounds=(0, 0, 200, 200))
    assert all(p is not None for p in placed)
    assert placed[0].moved is False and all(p.moved for p in placed[1:])
    boxes = _boxes(placed)
    assert not any(overlaps(a, b) for i, a in enumerate(boxes) for b in boxes[:i])
    assert all(b[0] >= 0 and b[2] <= 200 and b[1] >= 0 and b[3] <= 200 for b in boxes)


def test_optional_names_dropped_when_no_room_and_kept_beside_their_dot():
    disc = Label(50, 50, 10, 10, "1", "disc", True)
    under = Label(50, 50, 30, 6, "Square")  # its dot under the disc: no room beside it
    name = Label(58, 50, 30, 6, "Lansdowne")
    far = Label(150, 150, 30, 6, "Kinson")
    placed = layout_labels([disc, under, name, far], bounds=(0, 0, 200, 200))
    assert placed[1] is None
    assert placed[2] is not None and not overlaps(placed[0].box, placed[2].box)
    assert placed[2].box[0] > 58 and placed[3].box[0] > 150  # right of their dots
    blocked = layout_labels([name], obstacles=[(0, 0, 200, 200)])
    assert blocked == [None]


def test_text_width_grows_with_length_and_bold():
    assert text_width("Road", 10) < text_width("Old Christchurch Road", 10)
    assert text_width("12", 10) < text_width("12", 10, bold=True)
