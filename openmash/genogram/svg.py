"""Draw a laid-out family as SVG in standard genogram notation.

Everything is styled with presentation attributes (the pages' Content Security Policy blocks inline
``style``), every text is escaped, and every number is written with one decimal place, so the same
family always gives byte-identical output."""

from __future__ import annotations

import math
from datetime import date

from openmash.genogram.layout import (
    AGE_SIZE,
    AGE_STEP,
    DIAMOND,
    MARGIN,
    NAME_SIZE,
    NAME_STEP,
    OUTLINE,
    PARTNER_SEP,
    ROLE_SIZE,
    ROLE_STEP,
    Layout,
    PlacedConnector,
    PlacedHousehold,
    PlacedPerson,
    PlacedUnion,
    R,
    label_top,
    layout,
)
from openmash.genogram.model import Family, GenoPerson
from openmash.genogram.sentences import relationship_list
from openmash.genogram.text import age_label, esc_attr, esc_text

INK = "#0b0c0c"
GREY = "#505a5f"
STEP = "#4c2c92"
PAPER = "#ffffff"
HOUSEHOLD_COLOURS = ("#1d70b8", "#00703c", "#b14200", "#912b88", "#005a5f", "#6f4200")
# A label's halo is a paper-coloured copy drawn behind it, not a stroke on the text itself: renderers
# without SVG 2's paint-order (WeasyPrint, for the PDF pack) paint a stroke over the fill, which hid
# every name and age under a thick white outline.
HALO = (
    f'fill="{PAPER}" stroke="{PAPER}" stroke-width="3" stroke-linejoin="round" '
    'aria-hidden="true" data-halo="true"'
)


def haloed(attrs: str, words: str, fill: str, extra: str = "") -> str:
    """A label: its halo (behind), then the words in ``fill``. ``attrs``: position and font."""
    return f'<text {attrs} {HALO}>{words}</text><text {attrs} fill="{fill}"{extra}>{words}</text>'


PARTNER_DASH = "7 4"
STEP_DASH = "6 4"
SOCIAL_DASH = "0.5 4.5"
STEP_STYLE = f'stroke="{STEP}" stroke-width="1.75" stroke-dasharray="{STEP_DASH}"'
SOCIAL_STYLE = f'stroke="{GREY}" stroke-width="2.25" stroke-dasharray="{SOCIAL_DASH}" stroke-linecap="round"'
HOUSEHOLD_DASH = "9 5"


def n(value: float) -> str:
    """A coordinate with fixed precision (and never "-0.0")."""
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


def _attrs(**values: str) -> str:
    return "".join(f' {k.rstrip("_").replace("_", "-")}="{esc_attr(v)}"' for k, v in values.items())


def _line(x1: float, y1: float, x2: float, y2: float, extra: str = "") -> str:
    return f'<line x1="{n(x1)}" y1="{n(y1)}" x2="{n(x2)}" y2="{n(y2)}"{extra}/>'


# -- symbols -------------------------------------------------------------------------------------


def _shape(sex: str, x: float, y: float, half: float, extra: str) -> str:
    if sex == "male":
        return (
            f'<rect x="{n(x - half)}" y="{n(y - half)}" width="{n(2 * half)}" height="{n(2 * half)}"{extra}/>'
        )
    if sex == "female":
        return f'<circle cx="{n(x)}" cy="{n(y)}" r="{n(half)}"{extra}/>'
    points = f"{n(x)},{n(y - half)} {n(x + half)},{n(y)} {n(x)},{n(y + half)} {n(x - half)},{n(y)}"
    return f'<polygon points="{points}"{extra}/>'


def symbol(person: GenoPerson, x: float, y: float) -> list[str]:
    """The symbol for one person at (x, y): shape, second outline for the subject, cross if deceased."""
    parts: list[str] = []
    inner = DIAMOND if person.sex in ("other", "unknown") else R
    stroke = f' fill="{PAPER}" stroke="{INK}" stroke-width="2"'
    if person.is_subject:
        outer = inner + OUTLINE
        parts.append(_shape(person.sex, x, y, outer, stroke + ' data-mark="subject-outline"'))
        parts.append(_shape(person.sex, x, y, inner, f' fill="none" stroke="{INK}" stroke-width="2"'))
    else:
        parts.append(_shape(person.sex, x, y, inner, stroke))
    if person.sex == "unknown":
        parts.append(
            f'<text x="{n(x)}" y="{n(y + 6)}" text-anchor="middle" font-size="16" font-weight="bold" '
            f'fill="{INK}" aria-hidden="true">?</text>'
        )
    if person.is_deceased:
        # Corner to corner of the square; inside the circle and the diamond.
        reach = inner * {"male": 1.0, "female": 0.72}.get(person.sex, 0.5)
        mark = f' stroke="{INK}" stroke-width="2" data-mark="deceased"'
        parts.append(_line(x - reach, y - reach, x + reach, y + reach, mark))
        parts.append(_line(x - reach, y + reach, x + reach, y - reach, mark))
    return parts


def _person(person: GenoPerson, placed: PlacedPerson, as_of: date, subject: str = "child referred") -> str:
    age = age_label(person, as_of)
    notes = " ".join(person.notes)
    described = (
        f"{person.name}, {age[0].lower()}{age[1:]}"
        + (f", {subject}" if person.is_subject else "")
        + (f", {notes[:1].lower()}{notes[1:]}" if notes else "")
    )
    attrs = _attrs(
        data_person_id=person.id,
        data_sex=person.sex,
        data_generation=str(placed.generation),
    )
    if person.is_subject:
        attrs += ' data-subject="true"'
    if person.is_deceased:
        attrs += ' data-deceased="true"'
    out = [f"<g{attrs}>", f"<title>{esc_text(described)}</title>"]
    out.extend(symbol(person, placed.x, placed.y))
    baseline = placed.y + label_top(person)
    weight = ' font-weight="bold"' if person.is_subject else ""
    for line in placed.name_lines:
        out.append(
            haloed(
                f'x="{n(placed.x)}" y="{n(baseline)}" text-anchor="middle" '
                f'font-size="{n(NAME_SIZE)}"{weight}',
                esc_text(line),
                INK,
            )
        )
        baseline += NAME_STEP
    baseline += AGE_STEP - NAME_STEP
    out.append(
        haloed(
            f'x="{n(placed.x)}" y="{n(baseline)}" text-anchor="middle" font-size="{n(AGE_SIZE)}"',
            esc_text(age),
            GREY,
        )
    )
    for role in placed.role_lines:
        baseline += ROLE_STEP
        out.append(
            haloed(
                f'x="{n(placed.x)}" y="{n(baseline)}" text-anchor="middle" font-size="{n(ROLE_SIZE)}" '
                'font-style="italic"',
                esc_text(role),
                GREY,
                ' data-role="true"',
            )
        )
    out.append("</g>")
    return "\n".join(out)


# -- lines ---------------------------------------------------------------------------------------


def _slashes(x: float, y: float, count: int) -> list[str]:
    mark = "separation" if count == 1 else "divorce"
    extra = f' stroke="{INK}" stroke-width="2" data-mark="{mark}"'
    offsets = [0.0] if count == 1 else [-4.0, 4.0]
    return [_line(x + dx - 5, y + 9, x + dx + 5, y - 9, extra) for dx in offsets]


def _boundary_xs(lay: Layout, y: float) -> list[float]:
    """Where household boundaries cross the height ``y`` (their vertical edges)."""
    xs: list[float] = []
    for household in lay.households:
        for piece in household.pieces:
            for (x1, y1), (x2, y2) in zip(piece, piece[1:] + piece[:1], strict=True):
                if x1 == x2 and min(y1, y2) <= y <= max(y1, y2):
                    xs.append(x1)
    return sorted(xs)


def _union(union: PlacedUnion, lay: Layout) -> list[str]:
    people = lay.people
    out: list[str] = []
    keys = " ".join(union.partnership_keys)
    attrs = _attrs(data_union=union.key, data_style=union.style, data_status=union.status)
    if keys:
        attrs += _attrs(data_relationship=keys)
    out.append(f"<g{attrs}>")
    if len(union.partners) == 2:
        names = " and ".join(lay.family.by_id[p].name for p in union.partners)
        words = {
            "married": "married",
            "partners": "partners",
            "unrecorded": "parents, relationship not recorded",
        }
        status = "" if union.status in ("", "current") else f", {union.status}"
        out.append(f"<title>{esc_text(f'{names}: {words.get(union.style, union.style)}{status}')}</title>")
    y = union.line_y
    stem_top = y
    if len(union.partners) == 2:
        left, right = (people[p] for p in union.partners)
        if union.style == "married":
            stroke = f' stroke="{INK}" stroke-width="2"'
        elif union.style == "partners":
            stroke = f' stroke="{INK}" stroke-width="2" stroke-dasharray="{PARTNER_DASH}"'
        else:
            stroke = f' stroke="{GREY}" stroke-width="1.5"'
        if union.arched:
            top = min(left.y - left.half, right.y - right.half) - 12.0
            out.append(
                f'<path d="M{n(left.x)},{n(left.y - left.half)} V{n(top)} H{n(right.x)} '
                f'V{n(right.y - right.half)}" fill="none"{stroke}/>'
            )
            y = top
            stem_top = top
            span = (left.x, right.x)
        else:
            out.append(_line(left.x, y, right.x, y, stroke))
            span = (left.x + left.half, right.x - right.half)
        count = {"separated": 1, "divorced": 2}.get(union.status, 0)
        if count:
            centre = (span[0] + span[1]) / 2
            if union.children:
                # Beside the children's line, on whichever side is further from a household boundary.
                edges = _boundary_xs(lay, y)
                sides = [
                    max(span[0] + 12.0, union.anchor_x - 22.0),
                    min(span[1] - 12.0, union.anchor_x + 22.0),
                ]
                centre = max(sides, key=lambda c: min((abs(c - e) for e in edges), default=0.0))
            out.extend(_slashes(centre, y, count))
    out.append("</g>")
    if union.children and union.bar_y is not None:
        out.append(f'<g{_attrs(data_children_of=union.key)} stroke="{INK}" stroke-width="2">')
        if len(union.partners) == 1:
            parent = people[union.partners[0]]
            if union.side in ("left", "right"):
                edge = parent.x + (parent.half if union.side == "right" else -parent.half)
                out.append(_line(edge, y, union.anchor_x, y))
            else:
                stem_top = parent.y + parent.label_bottom + 2.0
        out.append(_line(union.anchor_x, stem_top, union.anchor_x, union.bar_y))
        xs = [union.anchor_x] + [people[c].x for c in union.children]
        if max(xs) - min(xs) > 0.5:
            out.append(_line(min(xs), union.bar_y, max(xs), union.bar_y, ' data-mark="sibship"'))
        for child in union.children:
            placed = people[child]
            drop_keys = " ".join(lay.structure.drop_keys.get(child, ()))
            out.append(
                _line(
                    placed.x,
                    union.bar_y,
                    placed.x,
                    placed.y - placed.half,
                    _attrs(data_child_id=child, data_relationship=drop_keys),
                )
            )
        out.append("</g>")
    return out


def _connector(conn: PlacedConnector, lay: Layout) -> list[str]:
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = conn.points
    d = f"M{n(x0)},{n(y0)} C{n(x1)},{n(y1)} {n(x2)},{n(y2)} {n(x3)},{n(y3)}"
    attrs = _attrs(
        data_connector=conn.kind,
        data_relationship=" ".join(conn.keys),
        data_from=conn.from_id,
        data_to=conn.to_id,
    )
    source, target = lay.family.by_id[conn.from_id].name, lay.family.by_id[conn.to_id].name
    if conn.kind == "step":
        style, title = STEP_STYLE, f"{source}: step-parent of {target}"
    elif conn.kind == "social":
        joiner = "with" if conn.label.startswith("household") else "for"
        style, title = SOCIAL_STYLE, f"{source}: {conn.label} {joiner} {target}"
    else:
        colour = INK if conn.kind == "sibling" else GREY
        style, title = SOCIAL_STYLE.replace(GREY, colour), f"{source}, {target}: {conn.label}"
    return [
        f"<g{attrs}>",
        f"<title>{esc_text(title)}</title>",
        f'<path d="{d}" fill="none" {style}/>',
        "</g>",
    ]


def _rounded(points: tuple[tuple[float, float], ...], radius: float = 12.0) -> str:
    pts: list[tuple[float, float]] = []
    for p in points:
        if not pts or pts[-1] != p:
            pts.append(p)
    if len(pts) > 1 and pts[0] == pts[-1]:
        pts.pop()
    if len(pts) < 3:
        return ""
    count = len(pts)
    corners = []
    for i, (vx, vy) in enumerate(pts):
        px, py = pts[i - 1]
        nx, ny = pts[(i + 1) % count]
        lp = math.hypot(px - vx, py - vy)
        ln = math.hypot(nx - vx, ny - vy)
        r = min(radius, lp / 2, ln / 2)
        a = (vx + (px - vx) * r / lp, vy + (py - vy) * r / lp)
        b = (vx + (nx - vx) * r / ln, vy + (ny - vy) * r / ln)
        corners.append((a, (vx, vy), b))
    d = [f"M{n(corners[0][2][0])},{n(corners[0][2][1])}"]
    for a, v, b in corners[1:] + corners[:1]:
        d.append(f"L{n(a[0])},{n(a[1])} Q{n(v[0])},{n(v[1])} {n(b[0])},{n(b[1])}")
    return " ".join(d) + " Z"


def _household(household: PlacedHousehold) -> list[str]:
    colour = HOUSEHOLD_COLOURS[household.colour_index % len(HOUSEHOLD_COLOURS)]
    out = []
    for index, piece in enumerate(household.pieces):
        attrs = _attrs(data_household_id=household.id, data_piece=str(index))
        if household.keys:
            attrs += _attrs(data_relationship=" ".join(household.keys))
        out.append(
            f'<path{attrs} d="{_rounded(piece)}" fill="{colour}" fill-opacity="0.05" stroke="{colour}" '
            f'stroke-width="2" stroke-dasharray="{HOUSEHOLD_DASH}"/>'
        )
    return out


def _household_label(household: PlacedHousehold) -> str:
    colour = HOUSEHOLD_COLOURS[household.colour_index % len(HOUSEHOLD_COLOURS)]
    x, y = household.label_at
    return haloed(
        f'x="{n(x)}" y="{n(y)}" font-size="11" font-weight="bold"',
        esc_text(household.label or household.id),
        colour,
        _attrs(data_household_label=household.id),
    )


# -- legend --------------------------------------------------------------------------------------

LEGEND_COLUMN = 300.0
LEGEND_ROW = 30.0


def _legend_items(lay: Layout) -> list[tuple[str, str]]:
    """(sample kind, words) for each entry; the samples are drawn by ``_legend_sample``."""
    items = [
        ("male", "Male"),
        ("female", "Female"),
        ("unknown", "Other gender, or sex not known (?)"),
        ("subject", f"{lay.family.subject[:1].upper()}{lay.family.subject[1:]} (double outline)"),
        ("deceased", "Died (cross)"),
        ("married", "Married"),
        ("partners", "Partners, not married (dashed)"),
        ("separated", "Separated (one slash)"),
        ("divorced", "Divorced (two slashes)"),
        ("children", "Children, oldest on the left"),
        ("step", "Step-parent to step-child"),
        ("social", "Carer or other significant adult"),
        ("household", "Lives together in one household"),
    ]
    if any(u.style == "unrecorded" for u in lay.unions):
        items.insert(8, ("unrecorded", "Parents, relationship not recorded"))
    return items


def _legend_sample(kind: str, x: float, y: float) -> list[str]:
    """A small sample drawing, centred vertically on ``y`` and starting at ``x`` (48px wide)."""
    ink = f' stroke="{INK}" stroke-width="2"'
    cx = x + 24
    if kind in ("male", "female", "unknown"):
        sex = kind
        half = 9.0 if kind != "unknown" else 11.0
        out = [_shape(sex, cx, y, half, f' fill="{PAPER}"{ink}')]
        if kind == "unknown":
            out.append(
                f'<text x="{n(cx)}" y="{n(y + 4)}" text-anchor="middle" font-size="10" font-weight="bold" '
                f'fill="{INK}">?</text>'
            )
        return out
    if kind == "subject":
        return [
            _shape("male", cx, y, 12, f' fill="{PAPER}"{ink}'),
            _shape("male", cx, y, 8, f' fill="none"{ink}'),
        ]
    if kind == "deceased":
        return [
            _shape("male", cx, y, 9, f' fill="{PAPER}"{ink}'),
            _line(cx - 9, y - 9, cx + 9, y + 9, ink),
            _line(cx - 9, y + 9, cx + 9, y - 9, ink),
        ]
    if kind in ("married", "separated", "divorced"):
        out = [_line(x, y, x + 48, y, ink)]
        if kind != "married":
            count = 1 if kind == "separated" else 2
            out.extend(
                _line(cx + dx - 4, y + 7, cx + dx + 4, y - 7, ink)
                for dx in ([0.0] if count == 1 else [-3.5, 3.5])
            )
        return out
    if kind == "partners":
        return [_line(x, y, x + 48, y, f'{ink} stroke-dasharray="{PARTNER_DASH}"')]
    if kind == "unrecorded":
        return [_line(x, y, x + 48, y, f' stroke="{GREY}" stroke-width="1.5"')]
    if kind == "children":
        return [
            _line(cx, y - 11, cx, y - 4, ink),
            _line(x + 10, y - 4, x + 38, y - 4, ink),
            _line(x + 10, y - 4, x + 10, y + 4, ink),
            _line(x + 38, y - 4, x + 38, y + 4, ink),
            _shape("male", x + 10, y + 9, 5, f' fill="{PAPER}"{ink}'),
            _shape("female", x + 38, y + 9, 5, f' fill="{PAPER}"{ink}'),
        ]
    if kind == "step":
        curve = f"M{n(x)},{n(y - 8)} C{n(x + 16)},{n(y - 8)} {n(x + 32)},{n(y + 8)} {n(x + 48)},{n(y + 8)}"
        return [f'<path d="{curve}" fill="none" {STEP_STYLE}/>']
    if kind == "social":
        return [_line(x, y, x + 48, y, f" {SOCIAL_STYLE}")]
    colour = HOUSEHOLD_COLOURS[0]
    return [
        f'<rect x="{n(x + 2)}" y="{n(y - 10)}" width="44.0" height="20.0" rx="6.0" fill="{colour}" '
        f'fill-opacity="0.05" stroke="{colour}" stroke-width="2" stroke-dasharray="{HOUSEHOLD_DASH}"/>'
    ]


def _legend(lay: Layout, top: float, width: float) -> tuple[list[str], float]:
    items = _legend_items(lay)
    columns = max(1, min(3, int((width - 2 * MARGIN) // LEGEND_COLUMN)))
    rows = math.ceil(len(items) / columns)
    out = [
        '<g data-layer="legend">',
        _line(MARGIN, top, width - MARGIN, top, f' stroke="{GREY}" stroke-width="1"'),
        f'<text x="{n(MARGIN)}" y="{n(top + 26)}" font-size="14" font-weight="bold" fill="{INK}">Key</text>',
    ]
    y0 = top + 50
    for index, (kind, words) in enumerate(items):
        column, row = divmod(index, rows)
        x = MARGIN + column * LEGEND_COLUMN
        y = y0 + row * LEGEND_ROW
        out.append(f"<g{_attrs(data_legend=kind)}>")
        out.extend(_legend_sample(kind, x, y))
        out.append(
            f'<text x="{n(x + 60)}" y="{n(y + 4)}" font-size="12" fill="{INK}">{esc_text(words)}</text>'
        )
        out.append("</g>")
    out.append("</g>")
    return out, y0 + rows * LEGEND_ROW - 6


def legend_width() -> float:
    return 2 * MARGIN + LEGEND_COLUMN


# -- the whole picture ---------------------------------------------------------------------------


def render_svg(family: Family, *, as_of: date, id_prefix: str = "genogram") -> str:
    """The family's genogram as an SVG document (a string). Same family and date, same bytes."""
    lay = layout(family)
    fam = lay.family
    sentences = relationship_list(family, as_of=as_of)
    subjects = [p.name for p in fam.people if p.is_subject]
    title = f"Genogram: the family of {' and '.join(subjects)}" if subjects else "Genogram"
    generations = len(lay.rows)
    summary = (
        f"{len(fam.people)} {'person' if len(fam.people) == 1 else 'people'} in {generations} "
        f"generation{'' if generations == 1 else 's'} and {len(fam.households)} "
        f"household{'' if len(fam.households) == 1 else 's'}."
    )
    desc = " ".join([summary] + [s + "." for s in sentences])
    width = max(lay.width, legend_width(), 2 * MARGIN + PARTNER_SEP)
    legend, bottom = _legend(lay, lay.height, width)
    height = bottom + MARGIN
    prefix = esc_attr(id_prefix)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n(width)} {n(height)}" width="{n(width)}" '
        f'height="{n(height)}" role="img" aria-labelledby="{prefix}-title {prefix}-desc" '
        f'font-family="Arial, sans-serif" data-genogram="v1">',
        f'<title id="{prefix}-title">{esc_text(title)}</title>',
        f'<desc id="{prefix}-desc">{esc_text(desc)}</desc>',
        f'<rect x="0.0" y="0.0" width="{n(width)}" height="{n(height)}" fill="{PAPER}"/>',
        '<g data-layer="households">',
    ]
    for household in lay.households:
        out.extend(_household(household))
    out.append("</g>")
    out.append('<g data-layer="connectors">')
    for conn in lay.connectors:
        out.extend(_connector(conn, lay))
    out.append("</g>")
    out.append('<g data-layer="lines" fill="none">')
    for union in lay.unions:
        out.extend(_union(union, lay))
    out.append("</g>")
    out.append('<g data-layer="people">')
    for person in fam.people:
        out.append(_person(person, lay.people[person.id], as_of, fam.subject))
    out.append("</g>")
    out.append('<g data-layer="household-labels">')
    out.extend(_household_label(h) for h in lay.households if h.pieces)
    out.append("</g>")
    out.extend(legend)
    out.append("</svg>")
    return "\n".join(out) + "\n"
