"""Structural checks on the rendered genogram of the blended family: notation, completeness, layout."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from datetime import date

import pytest

from openmash.genogram import Family, GenoHousehold, GenoPerson, GenoRelationship, layout, render_svg
from openmash.genogram.layout import Layout
from openmash.genogram.tests.families import AS_OF, blended_family
from openmash.genogram.tests.helpers import parse, polygon_contains, relationship_tokens, tag, with_attr


@pytest.fixture(scope="module")
def family() -> Family:
    return blended_family()


@pytest.fixture(scope="module")
def svg(family: Family) -> str:
    return render_svg(family, as_of=AS_OF)


@pytest.fixture(scope="module")
def root(svg: str) -> ET.Element:
    return parse(svg)


@pytest.fixture(scope="module")
def placed(family: Family) -> Layout:
    return layout(family)


def shown(e: ET.Element) -> bool:
    """A label as read (not the white halo drawn behind it)."""
    return tag(e) == "text" and not e.get("data-halo")


def person_group(root: ET.Element, person_id: str) -> ET.Element:
    (group,) = with_attr(root, "data-person-id", person_id)
    return group


def union_group(root: ET.Element, key: str) -> ET.Element:
    (group,) = with_attr(root, "data-union", key)
    return group


# -- a valid, accessible, CSP-safe document -----------------------------------------------------


def test_svg_is_well_formed_and_accessible(root: ET.Element) -> None:
    assert tag(root) == "svg"
    assert root.attrib["role"] == "img"
    x, y, width, height = (float(v) for v in root.attrib["viewBox"].split())
    assert (x, y) == (0, 0) and width > 900 and height > 600
    assert (root.attrib["width"], root.attrib["height"]) == tuple(root.attrib["viewBox"].split()[2:])
    title, desc = list(root)[:2]
    assert tag(title) == "title" and "Jayden Whitmore" in (title.text or "")
    assert tag(desc) == "desc"
    assert root.attrib["aria-labelledby"] == f"{title.attrib['id']} {desc.attrib['id']}"
    assert "15 people in 3 generations and 2 households." in (desc.text or "")
    assert "Kerry Whitmore and Dean Whitmore are divorced." in (desc.text or "")


def test_no_style_attributes_or_elements_and_no_external_references(svg: str, root: ET.Element) -> None:
    assert not with_attr(root, "style")
    assert not [e for e in root.iter() if tag(e) in ("style", "script", "image", "foreignObject", "use")]
    assert "href" not in svg and "url(" not in svg
    assert root.attrib["font-family"] == "Arial, sans-serif"


def test_numbers_have_fixed_precision(root: ET.Element) -> None:
    for element in root.iter():
        for name in ("x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "width", "height"):
            if name in element.attrib:
                value = element.attrib[name]
                assert value.split(".")[1:] and len(value.split(".")[1]) == 1, (name, value)


# -- completeness --------------------------------------------------------------------------------


def test_every_person_is_drawn_exactly_once(root: ET.Element, family: Family) -> None:
    drawn = [e.attrib["data-person-id"] for e in with_attr(root, "data-person-id")]
    assert sorted(drawn) == sorted(p.id for p in family.people)
    for group in with_attr(root, "data-person-id"):
        shapes = [e for e in group if tag(e) in ("rect", "circle", "polygon")]
        assert len(shapes) == (2 if group.get("data-subject") else 1)


def test_every_relationship_is_drawn(root: ET.Element, family: Family) -> None:
    tokens = relationship_tokens(root)
    assert {r.key for r in family.relationships} <= tokens
    assert tokens <= {r.key for r in family.relationships}


def test_symbols_follow_the_notation(root: ET.Element, family: Family) -> None:
    expected = {"male": "rect", "female": "circle", "other": "polygon", "unknown": "polygon"}
    for person in family.people:
        group = person_group(root, person.id)
        assert group.attrib["data-sex"] == person.sex
        shapes = {tag(e) for e in group if tag(e) in ("rect", "circle", "polygon")}
        assert shapes == {expected[person.sex]}, person.id
    sam = person_group(root, "p-sam")
    assert [e.text for e in sam if tag(e) == "text"][0] == "?"


def test_subject_has_a_double_outline_and_nobody_else_does(root: ET.Element) -> None:
    marked = with_attr(root, "data-mark", "subject-outline")
    assert len(marked) == 1
    jayden = person_group(root, "p-jayden")
    assert marked[0] in list(jayden)
    assert jayden.attrib["data-subject"] == "true"
    assert [e.text for e in jayden if shown(e) and e.get("font-weight") == "bold"] == ["Jayden Whitmore"]


def test_deceased_person_is_crossed_out(root: ET.Element) -> None:
    crosses = with_attr(root, "data-mark", "deceased")
    assert len(crosses) == 2
    brian = person_group(root, "p-brian")
    assert all(c in list(brian) for c in crosses)
    assert brian.attrib["data-deceased"] == "true"
    assert "d. 2019, aged 69" in [e.text for e in brian if tag(e) == "text"]


def test_separation_has_one_slash_and_divorce_two(root: ET.Element) -> None:
    divorced = union_group(root, "u:p-dean+p-kerry")
    separated = union_group(root, "u:p-lee+p-shannon")
    together = union_group(root, "u:p-kerry+p-lee")
    assert [e.get("data-mark") for e in divorced if e.get("data-mark")] == ["divorce", "divorce"]
    assert [e.get("data-mark") for e in separated if e.get("data-mark")] == ["separation"]
    assert not [e for e in together if e.get("data-mark")]
    widowed = union_group(root, "u:p-brian+p-sandra")
    assert not [e for e in widowed if e.get("data-mark")]


def test_marriage_is_solid_and_unmarried_partnership_dashed(root: ET.Element) -> None:
    def line(key: str) -> ET.Element:
        (element,) = [e for e in union_group(root, key) if tag(e) == "line" and not e.get("data-mark")]
        return element

    assert "stroke-dasharray" not in line("u:p-patricia+p-ronald").attrib
    assert "stroke-dasharray" not in line("u:p-dean+p-kerry").attrib
    assert line("u:p-kerry+p-lee").attrib["stroke-dasharray"]
    assert line("u:p-lee+p-shannon").attrib["stroke-dasharray"]
    assert union_group(root, "u:p-dean+p-kerry").attrib["data-relationship"] == "spouse:p-dean:p-kerry"


def test_step_relationships_are_visible(root: ET.Element) -> None:
    steps = with_attr(root, "data-connector", "step")
    assert sorted((e.attrib["data-from"], e.attrib["data-to"]) for e in steps) == [
        ("p-lee", "p-chloe"),
        ("p-lee", "p-jayden"),
    ]


def test_carer_and_significant_adult_have_labelled_dotted_connectors(root: ET.Element) -> None:
    social = with_attr(root, "data-connector", "social")
    assert sorted(e.attrib["data-from"] for e in social) == ["p-maureen", "p-sam"]
    for group in social:
        (path,) = [e for e in group if tag(e) == "path"]
        assert path.attrib["stroke-dasharray"] and path.attrib["stroke-linecap"] == "round"
    roles = {
        g.attrib["data-person-id"]: [e.text for e in g if e.get("data-role")]
        for g in with_attr(root, "data-person-id")
    }
    assert roles["p-maureen"] == ["carer (childminder)"]
    assert roles["p-sam"] == ["significant adult"]


def test_ages_and_names_are_shown_under_each_symbol(root: ET.Element) -> None:
    def texts(pid: str) -> list[str | None]:
        return [e.text for e in person_group(root, pid) if shown(e) and e.text != "?"]

    assert texts("p-jayden") == ["Jayden Whitmore", "Age 8"]
    assert texts("p-mia") == ["Mia Parker", "Age 1"]
    assert texts("p-sam")[:2] == ["Sam Reid", "Age not known"]
    assert texts("p-brian") == ["Brian Hollis", "d. 2019, aged 69"]
    jayden = person_group(root, "p-jayden")
    (shape,) = [e for e in jayden if tag(e) == "rect" and e.get("data-mark") == "subject-outline"]
    top_of_text = min(float(e.attrib["y"]) for e in jayden if tag(e) == "text")
    assert top_of_text > float(shape.attrib["y"]) + float(shape.attrib["height"])


def test_legend_explains_every_symbol(root: ET.Element) -> None:
    legend = {
        e.attrib["data-legend"]: " ".join(t.text or "" for t in e.iter() if tag(t) == "text")
        for e in with_attr(root, "data-legend")
    }
    assert "Other gender, or sex not known" in legend["unknown"]
    assert set(legend) >= {
        "male", "female", "unknown", "subject", "deceased", "married", "partners", "separated", "divorced",
        "children", "step", "social", "household",
    }  # fmt: skip
    (diamond,) = [e for e in with_attr(root, "data-legend", "unknown")[0] if tag(e) == "polygon"]
    assert diamond is not None


# -- layout --------------------------------------------------------------------------------------


def test_generations_grandparents_above_parents_above_children(placed: Layout) -> None:
    gen = {pid: p.generation for pid, p in placed.people.items()}
    assert {gen[p] for p in ("p-ronald", "p-patricia", "p-brian", "p-sandra")} == {0}
    assert {gen[p] for p in ("p-leanne", "p-dean", "p-kerry", "p-lee", "p-shannon")} == {1}
    assert {gen[p] for p in ("p-chloe", "p-jayden", "p-mia", "p-tyler")} == {2}
    assert gen["p-maureen"] == gen["p-sam"] == 1  # adults linked to the child sit a generation above
    ys = {g: {p.y for p in placed.people.values() if p.generation == g} for g in range(3)}
    assert all(len(v) == 1 for v in ys.values())
    assert max(ys[0]) < min(ys[1]) < min(ys[2])


def test_partners_are_adjacent_and_step_parent_is_the_mothers_partner(placed: Layout) -> None:
    row = list(placed.rows[1])
    assert row.index("p-kerry") - row.index("p-dean") == 1
    assert row.index("p-lee") - row.index("p-kerry") == 1
    assert row.index("p-shannon") - row.index("p-lee") == 1
    assert row.index("p-dean") - row.index("p-leanne") == 1  # Dean beside his older sister


def test_children_hang_from_their_parents_in_birth_order(placed: Layout, family: Family) -> None:
    born = {p.id: p.date_of_birth for p in family.people}
    for union in placed.unions:
        if not union.children:
            continue
        xs = [placed.people[c].x for c in union.children]
        assert xs == sorted(xs), union.key
        dates = [born[c] for c in union.children]
        assert dates == sorted(d for d in dates if d is not None)
        parents = [placed.people[p] for p in union.partners]
        assert all(placed.people[c].generation == parents[0].generation + 1 for c in union.children)
        assert union.bar_y is not None and parents[0].y < union.bar_y < min(
            placed.people[c].y for c in union.children
        )
        if len(parents) == 2:
            assert parents[0].x < union.anchor_x < parents[1].x
    row2 = list(placed.rows[2])
    assert row2 == [
        "p-chloe",
        "p-jayden",
        "p-mia",
        "p-tyler",
    ]  # full siblings, then half-sister, then Lee's son


def test_half_siblings_hang_from_their_own_parents(placed: Layout) -> None:
    child_of = {c: u for u in placed.unions for c in u.children}
    assert child_of["p-jayden"].key == "u:p-dean+p-kerry"
    assert child_of["p-chloe"].key == "u:p-dean+p-kerry"
    assert child_of["p-mia"].key == "u:p-kerry+p-lee"
    assert child_of["p-tyler"].key == "u:p-lee+p-shannon"


def test_no_two_symbols_or_labels_overlap(placed: Layout) -> None:
    people = list(placed.people.values())
    for a, b in itertools.combinations(people, 2):
        ax0, ay0, ax1, ay1 = a.box()
        bx0, by0, bx1, by1 = b.box()
        assert ax1 + 4 < bx0 or bx1 + 4 < ax0 or ay1 + 4 < by0 or by1 + 4 < ay0, (a.id, b.id)
        if a.generation == b.generation:
            assert abs(a.x - b.x) >= a.extent + b.extent + 10, (a.id, b.id)


def test_each_household_boundary_holds_exactly_its_members(placed: Layout, family: Family) -> None:
    assert len(placed.households) == 2
    for household in placed.households:
        assert household.pieces
        for person in placed.people.values():
            x0, y0, x1, y1 = person.box()
            points = [(person.x, person.y), (x0, y0), (x1, y0), (x0, y1), (x1, y1)]
            points.append((person.x, person.y + person.label_bottom - 2))  # the label too
            inside = [any(polygon_contains(piece, x, y) for piece in household.pieces) for x, y in points]
            if person.id in household.member_ids:
                assert all(inside), (household.id, person.id)
            else:
                assert not any(inside), (household.id, person.id)
    assert [len(h.pieces) for h in placed.households] == [1, 1]


def test_household_boundaries_are_drawn_dashed_with_their_labels(root: ET.Element) -> None:
    paths = with_attr(root, "data-household-id")
    assert sorted(p.attrib["data-household-id"] for p in paths) == ["h-elm", "h-oak"]
    for path in paths:
        assert path.attrib["stroke-dasharray"] and path.attrib["d"].endswith("Z") and " Q" in path.attrib["d"]
    labels = {e.attrib["data-household-label"]: e.text for e in with_attr(root, "data-household-label")}
    assert labels == {"h-elm": "14 Elm Road", "h-oak": "3 Oak Close"}


def test_canvas_fits_everything(placed: Layout, root: ET.Element) -> None:
    width, height = (float(v) for v in root.attrib["viewBox"].split()[2:])
    for person in placed.people.values():
        assert person.extent <= person.x <= width - person.extent
        assert 0 < person.y - person.half and person.y + person.label_bottom < height
    for household in placed.households:
        for piece in household.pieces:
            assert all(0 <= x <= width and 0 <= y <= height for x, y in piece)


# -- a child with one known parent, and other small cases ----------------------------------------


def test_child_of_one_known_parent_hangs_from_that_parent() -> None:
    family = Family(
        [
            GenoPerson("mum", "Amy Jones", "female", date(1990, 1, 1)),
            GenoPerson("kid", "Ben Jones", "male", date(2015, 1, 1), is_subject=True),
        ],
        [GenoRelationship("parent", "mum", "kid")],
    )
    placed = layout(family)
    (union,) = placed.unions
    assert union.partners == ("mum",) and union.children == ("kid",) and union.side == "right"
    assert placed.people["kid"].generation == placed.people["mum"].generation + 1
    assert placed.people["mum"].x < union.anchor_x
    root = parse(render_svg(family, as_of=AS_OF))
    (drop,) = with_attr(root, "data-child-id", "kid")
    assert drop.attrib["data-relationship"] == "parent:mum:kid"


def test_empty_family_renders_an_empty_but_valid_picture() -> None:
    root = parse(render_svg(Family([]), as_of=AS_OF))
    assert tag(root) == "svg" and not with_attr(root, "data-person-id")


def test_multiple_households_per_person_and_unlabelled_household() -> None:
    family = Family(
        [GenoPerson("a", "A", "female"), GenoPerson("b", "B", "male"), GenoPerson("c", "C", "other")],
        [GenoRelationship("partner", "a", "b"), GenoRelationship("household_member", "a", "c")],
        [GenoHousehold("h1", ("a", "c")), GenoHousehold("h2", ("b",), "Bail hostel")],
    )
    root = parse(render_svg(family, as_of=AS_OF))
    (boundary,) = with_attr(root, "data-household-id", "h1")
    assert boundary.attrib["data-relationship"] == "household_member:a:c"
    assert "household_member:a:c" in relationship_tokens(root)


def test_labels_are_never_stroked_so_renderers_without_paint_order_show_them() -> None:
    """WeasyPrint (the PDF pack) ignores paint-order: a stroke on a label is drawn over its fill. Each
    label's text carries no stroke; its white halo is a separate copy behind it."""
    root = parse(render_svg(blended_family(), as_of=AS_OF))
    texts = [e for e in root.iter() if tag(e) == "text"]
    drawn = [e for e in texts if not e.get("data-halo")]
    halos = [e for e in texts if e.get("data-halo")]
    assert drawn and halos
    assert all(e.get("stroke") is None and e.get("fill") not in (None, "#ffffff") for e in drawn)
    assert all(e.get("aria-hidden") == "true" for e in halos)
