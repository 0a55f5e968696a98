"""Where everything goes: generations become rows, couples sit side by side with their children below
in birth order, and households get a boundary that holds exactly their members.

The method is a small layered ("Sugiyama") layout. Rows come from generations; the order inside each
row starts from barycentre sweeps and is then improved by a deterministic local search over a cost that
counts crossing lines, siblings out of birth order, households split by outsiders and a few conventions.
Horizontal positions then come from repeated least-squares smoothing: each row is solved exactly for
its targets (children centred under their parents' line, parents centred over their children) subject
to minimum spacings, by pool-adjacent-violators. No randomness, and every collection is iterated in a
sorted order, so the same family always gives the same numbers.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from openmash.genogram.model import CanonicalFamily, Family, GenoPerson, canonicalise
from openmash.genogram.structure import Connector, LineStyle, Structure, Union, birth_key, build
from openmash.genogram.text import age_line_reserve, text_width, wrap

R = 20.0  #: half the size of a symbol
OUTLINE = 5.0  #: gap between a subject's symbol and its second outline
DIAMOND = R + 4.0  #: half-diagonal of the diamond, so its area reads like the square's
NAME_SIZE = 12.0
AGE_SIZE = 11.0
ROLE_SIZE = 10.5
NAME_STEP = 14.0
AGE_STEP = 13.0
ROLE_STEP = 13.0
LABEL_MAX_WIDTH = 104.0
GAP = 30.0  #: clear space between neighbouring labels, wide enough for a line to pass between them
MIN_SEP = 96.0
PARTNER_SEP = 130.0
STUB = PARTNER_SEP / 2
MARGIN = 24.0
HOUSEHOLD_PAD = 9.0
HOUSEHOLD_BAND = 22.0  #: room at the top of a household boundary for its label
BAR_MARGIN = 16.0
BAR_STEP = 10.0
ITERATIONS = 120
WINDOW = 10  #: how far the local search moves a block along its row

Side = Literal["left", "right", "below"]


@dataclass(frozen=True, slots=True)
class PlacedPerson:
    id: str
    generation: int
    x: float
    y: float
    #: half the width/height of the drawn symbol, including a subject's second outline
    half: float
    #: half the width the person needs, symbol or label, whichever is wider
    extent: float
    name_lines: tuple[str, ...]
    #: what a carer or other adult is to the people their dotted connectors lead to
    role_lines: tuple[str, ...]
    #: distance from the symbol's centre down to the bottom of the label
    label_bottom: float

    def box(self) -> tuple[float, float, float, float]:
        """The symbol's bounding box (left, top, right, bottom)."""
        return (self.x - self.half, self.y - self.half, self.x + self.half, self.y + self.half)


@dataclass(frozen=True, slots=True)
class PlacedUnion:
    key: str
    #: left to right as drawn
    partners: tuple[str, ...]
    style: LineStyle
    status: str
    partnership_keys: tuple[str, ...]
    children: tuple[str, ...]
    #: where the children's line leaves the couple's line
    anchor_x: float
    line_y: float
    #: the horizontal line the children hang from (None when there are no children)
    bar_y: float | None
    #: a partnership line between people who are not neighbours is drawn above the row instead
    arched: bool
    #: which side a lone parent's short line leaves from
    side: Side | None


@dataclass(frozen=True, slots=True)
class PlacedConnector:
    kind: str
    from_id: str
    to_id: str
    label: str
    keys: tuple[str, ...]
    #: a cubic Bezier: start, control 1, control 2, end
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True, slots=True)
class PlacedHousehold:
    id: str
    label: str
    member_ids: tuple[str, ...]
    keys: tuple[str, ...]
    #: one or more closed outlines (polygons) that together hold exactly the members
    pieces: tuple[tuple[tuple[float, float], ...], ...]
    label_at: tuple[float, float]
    colour_index: int


@dataclass(frozen=True, slots=True)
class Layout:
    width: float
    height: float
    people: dict[str, PlacedPerson]
    rows: tuple[tuple[str, ...], ...]
    unions: tuple[PlacedUnion, ...]
    connectors: tuple[PlacedConnector, ...]
    households: tuple[PlacedHousehold, ...]
    structure: Structure
    family: CanonicalFamily


# -- symbols and labels --------------------------------------------------------------------------


def symbol_half(person: GenoPerson) -> float:
    base = DIAMOND if person.sex in ("other", "unknown") else R
    return base + (OUTLINE if person.is_subject else 0.0)


def name_lines(person: GenoPerson) -> tuple[str, ...]:
    return tuple(wrap(person.name, NAME_SIZE, LABEL_MAX_WIDTH, bold=person.is_subject))


def label_geometry(person: GenoPerson, roles: tuple[str, ...] = ()) -> tuple[tuple[str, ...], float, float]:
    """Name lines, half the label's width, and the label's bottom below the symbol's centre."""
    lines = name_lines(person)
    widths = [text_width(line, NAME_SIZE, bold=person.is_subject) for line in lines]
    widths.append(text_width(age_line_reserve(person), AGE_SIZE))
    widths.extend(text_width(role, ROLE_SIZE) * 1.05 for role in roles)
    half = max(symbol_half(person) + 4.0, max(widths) / 2)
    bottom = label_top(person) + NAME_STEP * (len(lines) - 1) + AGE_STEP + ROLE_STEP * len(roles) + 4.0
    return lines, half, bottom


def role_lines(st: Structure) -> dict[str, tuple[str, ...]]:
    """The labels of a person's own connectors (carer, significant adult, ...), shown under their name."""
    roles: dict[str, list[str]] = defaultdict(list)
    for conn in st.connectors:
        if conn.kind != "step" and conn.label not in roles[conn.from_id]:
            roles[conn.from_id].append(conn.label)
    return {pid: tuple(labels) for pid, labels in sorted(roles.items())}


def label_top(person: GenoPerson) -> float:
    """Baseline of the first name line below the symbol's centre."""
    return max(R, symbol_half(person)) + 15.0


# -- ordering ------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Edge:
    upper: str | None  # a person, or None when the upper end is a union's anchor
    union: Union | None
    lower: str
    weight: float


class _Orderer:
    def __init__(self, st: Structure) -> None:
        self.st = st
        self.by_id = st.family.by_id
        gens = st.generation
        self.depth = max(gens.values(), default=0) + 1
        self.unions = st.unions
        # Partner chains become blocks that always stay together.
        adjacency: dict[str, set[str]] = defaultdict(set)
        for union in st.unions:
            if len(union.partners) == 2:
                a, b = union.partners
                adjacency[a].add(b)
                adjacency[b].add(a)
        seen: set[str] = set()
        self.rows: list[list[tuple[str, ...]]] = [[] for _ in range(self.depth)]
        for person in sorted(st.family.people, key=birth_key):
            if person.id in seen:
                continue
            component = self._component(person.id, adjacency)
            seen.update(component)
            chain = self._chain(component, adjacency)
            self.rows[gens[person.id]].append(chain)
        # Edges between rows, for counting crossings; connectors within a row, for distances.
        self.down_edges: list[list[_Edge]] = [[] for _ in range(self.depth)]
        self.same_row: list[list[tuple[str, str, float]]] = [[] for _ in range(self.depth)]
        self.long_edges: list[tuple[str, str, float]] = []
        for union in st.unions:
            if union.children:
                row = gens[union.partners[0]]
                for child in union.children:
                    self.down_edges[row].append(_Edge(None, union, child, 10.0))
        for conn in st.connectors:
            weight = {"step": 3.0, "social": 4.0}.get(conn.kind, 4.0)
            ga, gb = gens[conn.from_id], gens[conn.to_id]
            if ga == gb:
                self.same_row[ga].append((conn.from_id, conn.to_id, weight))
            elif abs(ga - gb) == 1:
                upper, lower = (conn.from_id, conn.to_id) if ga < gb else (conn.to_id, conn.from_id)
                self.down_edges[min(ga, gb)].append(_Edge(upper, None, lower, weight))
            else:
                self.long_edges.append((conn.from_id, conn.to_id, weight))
        self.households = [
            (h.id, frozenset(h.member_ids)) for h in st.family.households if len(h.member_ids) > 1
        ]
        self.pos: dict[str, float] = {}
        self.row_len = [0] * self.depth
        for g in range(self.depth):
            self._index(g)
        self._prepare_costs()

    @staticmethod
    def _component(start: str, adjacency: dict[str, set[str]]) -> list[str]:
        stack, found = [start], {start}
        while stack:
            node = stack.pop()
            for other in sorted(adjacency[node]):
                if other not in found:
                    found.add(other)
                    stack.append(other)
        return sorted(found)

    @staticmethod
    def _chain(component: list[str], adjacency: dict[str, set[str]]) -> tuple[str, ...]:
        if len(component) == 1:
            return (component[0],)
        start = min(component, key=lambda n: (len(adjacency[n]), n))
        order: list[str] = []
        visited: set[str] = set()

        def visit(node: str) -> None:
            visited.add(node)
            order.append(node)
            for other in sorted(adjacency[node], key=lambda o: (len(adjacency[o]) == 1, o)):
                if other not in visited:
                    visit(other)

        visit(start)
        return tuple(order)

    def _index(self, g: int) -> None:
        i = 0
        for block in self.rows[g]:
            for person in block:
                self.pos[person] = float(i)
                i += 1
        self.row_len[g] = i

    def _anchor(self, union: Union) -> float:
        return sum(self.pos[p] for p in union.partners) / len(union.partners)

    def _norm(self, person: str) -> float:
        return (self.pos[person] + 0.5) / max(1, self.row_len[self.st.generation[person]])

    def _norm_anchor(self, union: Union) -> float:
        return (self._anchor(union) + 0.5) / max(1, self.row_len[self.st.generation[union.partners[0]]])

    # cost

    def _prepare_costs(self) -> None:
        """Per-row lists, so evaluating a candidate order touches only what concerns that row."""
        gens = self.st.generation
        self.kid_groups: list[list[tuple[str, ...]]] = [[] for _ in range(self.depth)]
        self.couples: list[list[tuple[str, str, bool]]] = [[] for _ in range(self.depth)]
        for union in self.unions:
            kids = tuple(union.children)
            if kids:
                self.kid_groups[gens[kids[0]]].append(kids)
            if len(union.partners) == 2:
                a, b = union.partners
                sexes = (self.by_id[a].sex, self.by_id[b].sex)
                unconventional = sexes == ("female", "male")  # for a left, b right
                conventional_flip = sexes == ("male", "female")
                self.couples[gens[a]].append((a, b, unconventional or conventional_flip))
        self.household_rows: list[list[list[str]]] = [[] for _ in range(self.depth)]
        for _, members in self.households:
            by_row: dict[int, list[str]] = defaultdict(list)
            for member in sorted(members):
                by_row[gens[member]].append(member)
            for g, row_members in sorted(by_row.items()):
                if len(row_members) > 1:
                    self.household_rows[g].append(row_members)
        self.long_by_row: list[list[tuple[str, str, float]]] = [[] for _ in range(self.depth)]
        for a, b, weight in self.long_edges:
            for g in sorted({gens[a], gens[b]}):
                self.long_by_row[g].append((a, b, weight))

    def _ends(self, g: int) -> list[tuple[float, float, float]]:
        pos = self.pos
        ends = []
        for edge in self.down_edges[g]:
            if edge.union is not None:
                partners = edge.union.partners
                top = sum(pos[p] for p in partners) / len(partners)
            else:
                top = pos[edge.upper or ""]
            ends.append((top, pos[edge.lower], edge.weight))
        return ends

    def crossings(self, g: int) -> float:
        """Weighted crossings between the lines from row ``g`` down to row ``g + 1``, plus how far
        each line leans (in row-relative terms), which keeps children roughly under their parents."""
        if g < 0 or g >= self.depth - 1:
            return 0.0
        ends = self._ends(g)
        total = 0.0
        for i, (a1, c1, w1) in enumerate(ends):
            for a2, c2, w2 in ends[i + 1 :]:
                if (a1 - a2) * (c1 - c2) < 0:
                    total += w1 * w2 / 10.0
        upper, lower = max(1, self.row_len[g]), max(1, self.row_len[g + 1])
        for top, bottom, _ in ends:
            total += 2.0 * abs((top + 0.5) / upper - (bottom + 0.5) / lower)
        return total

    def row_terms(self, g: int) -> float:
        pos = self.pos
        total = 0.0
        for kids in self.kid_groups[g]:
            places = [pos[c] for c in kids]
            for i, earlier in enumerate(places):
                for later in places[i + 1 :]:
                    if earlier > later:
                        total += 1000.0
            total += 30.0 * (max(places) - min(places) - (len(kids) - 1))
        for a, b, gendered in self.couples[g]:
            total += 200.0 * (abs(pos[a] - pos[b]) - 1)
            if gendered:
                # Convention: the man on the left of a woman partner.
                female_left = (pos[a] < pos[b]) == (self.by_id[a].sex == "female")
                total += 1.0 if female_left else 0.0
        for members in self.household_rows[g]:
            places = [pos[m] for m in members]
            total += 30.0 * (max(places) - min(places) - (len(places) - 1))
        for a, b, weight in self.same_row[g]:
            total += weight * (abs(pos[a] - pos[b]) - 1)
        for a, b, weight in self.long_by_row[g]:
            total += 0.5 * weight * abs(self._norm(a) - self._norm(b))
        return total

    def local_cost(self, g: int) -> float:
        return self.row_terms(g) + self.crossings(g - 1) + self.crossings(g)

    # search

    def _keys_from_above(self, g: int) -> dict[str, float]:
        keys: dict[str, float] = {}
        if g == 0:
            return keys
        for union in self.unions:
            for child in union.children:
                if self.st.generation[child] == g:
                    keys[child] = self._norm_anchor(union)
        return keys

    def _keys_from_below(self, g: int) -> dict[str, float]:
        sums: dict[str, list[float]] = defaultdict(list)
        for union in self.unions:
            kids = [c for c in union.children if self.st.generation[c] == g + 1]
            if kids and self.st.generation[union.partners[0]] == g:
                centre = sum(self._norm(c) for c in kids) / len(kids)
                for partner in union.partners:
                    sums[partner].append(centre)
        return {p: sum(v) / len(v) for p, v in sums.items()}

    def _sweep(self, g: int, keys: dict[str, float]) -> None:
        blocks = self.rows[g]
        n = max(1, self.row_len[g])
        scored = []
        for index, block in enumerate(blocks):
            known = [keys[p] for p in block if p in keys]
            if known:
                key = sum(known) / len(known)
            else:
                key = sum((self.pos[p] + 0.5) / n for p in block) / len(block)
            if len(block) > 1:
                firsts = [keys[p] for p in block[: len(block) // 2] if p in keys]
                lasts = [keys[p] for p in block[(len(block) + 1) // 2 :] if p in keys]
                if firsts and lasts and sum(firsts) / len(firsts) > sum(lasts) / len(lasts):
                    block = tuple(reversed(block))
            scored.append((key, birth_key(self.by_id[block[0]]), index, block))
        scored.sort(key=lambda item: (item[0], item[1], item[2]))
        self.rows[g] = [item[3] for item in scored]
        self._index(g)

    def _improve_row(self, g: int) -> bool:
        """Move each block of the row, in turn, to its best place (or flip it) while that helps."""
        improved = False
        for _ in range(20):
            changed = False
            for members in [frozenset(block) for block in self.rows[g]]:
                original = list(self.rows[g])
                i = next(k for k, block in enumerate(original) if frozenset(block) == members)
                block = original[i]
                best, best_row = self.local_cost(g), None
                rest = original[:i] + original[i + 1 :]
                variants = [block] if len(block) == 1 else [block, tuple(reversed(block))]
                for variant in variants:
                    # Long rows: only nearby places (the sweeps have already put blocks roughly right).
                    for j in range(max(0, i - WINDOW), min(len(original), i + WINDOW + 1)):
                        if j == i and variant == block:
                            continue
                        candidate = rest[:j] + [variant] + rest[j:]
                        self.rows[g] = candidate
                        self._index(g)
                        cost = self.local_cost(g)
                        if cost < best - 1e-9:
                            best, best_row = cost, candidate
                self.rows[g] = best_row if best_row is not None else original
                self._index(g)
                if best_row is not None:
                    changed = True
            changed = self._move_sibships(g) or changed
            if not changed:
                break
            improved = True
        return improved

    def _move_sibships(self, g: int) -> bool:
        """Move brothers and sisters together: one at a time they would never leave a bad place."""
        changed = False
        for kids in self.kid_groups[g]:
            original = list(self.rows[g])
            where = [k for k, block in enumerate(original) if block[0] in kids or block[-1] in kids]
            if len(where) < 2 or where[-1] - where[0] != len(where) - 1:
                continue
            run = original[where[0] : where[-1] + 1]
            rest = original[: where[0]] + original[where[-1] + 1 :]
            best, best_row = self.local_cost(g), None
            for j in range(len(rest) + 1):
                if j == where[0]:
                    continue
                candidate = rest[:j] + run + rest[j:]
                self.rows[g] = candidate
                self._index(g)
                cost = self.local_cost(g)
                if cost < best - 1e-9:
                    best, best_row = cost, candidate
            self.rows[g] = best_row if best_row is not None else original
            self._index(g)
            changed = changed or best_row is not None
        return changed

    def order(self) -> list[list[str]]:
        for _ in range(4):
            for g in range(1, self.depth):
                self._sweep(g, self._keys_from_above(g))
            for g in range(self.depth - 2, -1, -1):
                self._sweep(g, self._keys_from_below(g))
        for g in range(1, self.depth):
            self._sweep(g, self._keys_from_above(g))
        for _ in range(12):
            changed = False
            for g in range(self.depth):
                changed = self._improve_row(g) or changed
            if not changed:
                break
        return [[p for block in blocks for p in block] for blocks in self.rows]


# -- horizontal positions ------------------------------------------------------------------------


def _pava(targets: list[float], weights: list[float], offsets: list[float]) -> list[float]:
    """Least squares x with x[i+1] - x[i] >= the spacing encoded in the cumulative ``offsets``."""
    blocks: list[list[float]] = []  # [weighted mean, total weight, count]
    for t, w, s in zip(targets, weights, offsets, strict=True):
        blocks.append([t - s, w, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2, c2 = blocks.pop()
            m1, w1, c1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2, c1 + c2])
    ys: list[float] = []
    for mean, _, count in blocks:
        ys.extend([mean] * int(count))
    return [y + s for y, s in zip(ys, offsets, strict=True)]


class _Placer:
    def __init__(self, st: Structure, rows: list[list[str]], extents: dict[str, float]) -> None:
        self.st = st
        self.rows = rows
        self.gens = st.generation
        self.index = {p: i for row in rows for i, p in enumerate(row)}
        partner_pairs = {frozenset(u.partners) for u in st.unions if len(u.partners) == 2}
        self.sides: dict[str, Side] = {}
        for union in st.unions:
            if len(union.partners) == 1 and union.children:
                self.sides[union.key] = self._side(union.partners[0], partner_pairs)
        stub_right = {u.partners[0] for u in st.unions if self.sides.get(u.key) == "right"}
        stub_left = {u.partners[0] for u in st.unions if self.sides.get(u.key) == "left"}
        self.seps: list[list[float]] = []
        for row in rows:
            seps = []
            for a, b in zip(row, row[1:], strict=False):
                sep = max(MIN_SEP, extents[a] + extents[b] + GAP)
                if frozenset((a, b)) in partner_pairs:
                    sep = max(sep, PARTNER_SEP)
                if a in stub_right:
                    sep = max(sep, STUB + extents[b] + 14.0)
                if b in stub_left:
                    sep = max(sep, STUB + extents[a] + 14.0)
                seps.append(sep)
            self.seps.append(seps)
        self.offsets = [
            self._cumulative(seps) if row else [] for row, seps in zip(rows, self.seps, strict=True)
        ]
        # Families that no line joins are packed side by side afterwards, so no row has a needless gap.
        root = {p: p for row in rows for p in row}

        def find(p: str) -> str:
            while root[p] != p:
                root[p] = root[root[p]]
                p = root[p]
            return p

        for union in st.unions:
            for other in union.partners[1:] + union.children:
                root[find(other)] = find(union.partners[0])
        self.family_of = {p: find(p) for p in root}
        self.x: dict[str, float] = {}
        for row, offsets in zip(rows, self.offsets, strict=True):
            centre = offsets[-1] / 2 if offsets else 0.0
            for p, off in zip(row, offsets, strict=True):
                self.x[p] = off - centre

    @staticmethod
    def _cumulative(seps: list[float]) -> list[float]:
        out = [0.0]
        for sep in seps:
            out.append(out[-1] + sep)
        return out

    def _side(self, parent: str, partner_pairs: set[frozenset[str]]) -> Side:
        row = self.rows[self.gens[parent]]
        i = self.index[parent]
        right_free = i + 1 >= len(row) or frozenset((parent, row[i + 1])) not in partner_pairs
        left_free = i == 0 or frozenset((parent, row[i - 1])) not in partner_pairs
        if right_free:
            return "right"
        return "left" if left_free else "below"

    def anchor(self, union: Union) -> float:
        if len(union.partners) == 2:
            a, b = union.partners
            return (self.x[a] + self.x[b]) / 2
        parent = union.partners[0]
        side = self.sides.get(union.key, "below")
        return self.x[parent] + {"right": STUB, "left": -STUB, "below": 0.0}[side]

    def run(self) -> dict[str, float]:
        by_row: dict[int, list[Union]] = defaultdict(list)
        for union in self.st.unions:
            by_row[self.gens[union.partners[0]]].append(union)
        for iteration in range(ITERATIONS):
            order = range(len(self.rows)) if iteration % 2 == 0 else range(len(self.rows) - 1, -1, -1)
            for g in order:
                self._solve_row(g, by_row)
        self._pack()
        return self.x

    def _pack(self) -> None:
        """Slide each separate family, as a rigid whole, left until it meets its neighbours."""
        members: dict[str, list[str]] = defaultdict(list)
        for row in self.rows:
            for p in row:
                members[self.family_of[p]].append(p)
        for family in sorted(members, key=lambda f: (min(self.x[p] for p in members[f]), f)):
            shift: float | None = None
            for p in members[family]:
                g, i = self.gens[p], self.index[p]
                if i == 0 or self.family_of[self.rows[g][i - 1]] == family:
                    continue
                left = self.rows[g][i - 1]
                bound = self.x[left] + self.seps[g][i - 1] - self.x[p]
                shift = bound if shift is None else max(shift, bound)
            if shift is not None and shift < 0:
                for p in members[family]:
                    self.x[p] += shift

    def _solve_row(self, g: int, by_row: dict[int, list[Union]]) -> None:
        row = self.rows[g]
        if not row:
            return
        offsets = self.offsets[g]
        targets: dict[str, list[tuple[float, float]]] = {p: [(self.x[p], 0.05)] for p in row}
        for union in by_row.get(g - 1, []):
            kids = [c for c in union.children if self.gens[c] == g]
            if not kids:
                continue
            anchor = self.anchor(union)
            first = min(offsets[self.index[c]] for c in kids)
            last = max(offsets[self.index[c]] for c in kids)
            for child in kids:
                targets[child].append((anchor + offsets[self.index[child]] - (first + last) / 2, 1.0))
        for union in by_row.get(g, []):
            kids = [c for c in union.children if self.gens[c] == g + 1]
            if kids:
                xs = [self.x[c] for c in kids]
                shift = (min(xs) + max(xs)) / 2 - self.anchor(union)
                for partner in union.partners:
                    targets[partner].append((self.x[partner] + shift, 1.0))
            if len(union.partners) == 2:
                a, b = sorted(union.partners, key=lambda p: self.index[p])
                if self.index[b] - self.index[a] == 1:
                    sep = self.seps[g][self.index[a]]
                    targets[a].append((self.x[b] - sep, 0.5))
                    targets[b].append((self.x[a] + sep, 0.5))

        means = []
        weights = []
        for p in row:
            total = sum(w for _, w in targets[p])
            means.append(sum(v * w for v, w in targets[p]) / total)
            weights.append(total)
        for p, value in zip(row, _pava(means, weights, offsets), strict=True):
            self.x[p] = value


# -- geometry ------------------------------------------------------------------------------------


def _bar_levels(spans: list[tuple[float, float, str]]) -> dict[str, int]:
    levels: dict[str, int] = {}
    ends: list[float] = []
    for left, right, key in sorted(spans):
        for level, end in enumerate(ends):
            if end + 10.0 < left:
                ends[level] = right
                levels[key] = level
                break
        else:
            levels[key] = len(ends)
            ends.append(right)
    return levels


def _round(value: float) -> float:
    rounded = round(value, 1)
    return 0.0 if rounded == 0 else rounded


def _boundary_y(person: GenoPerson, half: float, dx: float, top: bool) -> float:
    """How far above (or below) the centre the symbol's outline is, ``dx`` from the centre."""
    dx = min(abs(dx), half - 1.0)
    if person.sex in ("other", "unknown"):
        depth = half - dx
    elif person.sex == "female":
        depth = math.sqrt(half * half - dx * dx)
    else:
        depth = half
    return -depth if top else depth


def _households(
    fam: CanonicalFamily,
    st: Structure,
    rows: list[list[str]],
    people: dict[str, PlacedPerson],
    row_y: list[float],
    row_bottom: list[float],
) -> tuple[PlacedHousehold, ...]:
    placed: list[PlacedHousehold] = []
    vertical_lines: list[float] = [x for x in (people[c].x for c in st.child_union)]
    for colour, household in enumerate(fam.households):
        members = set(household.member_ids)
        runs_by_row: list[list[list[str]]] = []
        for row in rows:
            runs: list[list[str]] = []
            for i, p in enumerate(row):
                if p in members:
                    if runs and row[i - 1] == runs[-1][-1]:
                        runs[-1].append(p)
                    else:
                        runs.append([p])
            runs_by_row.append(runs)
        pieces: list[list[tuple[int, list[str]]]] = []
        previous_single = False
        for g, runs in enumerate(runs_by_row):
            if len(runs) == 1 and previous_single and pieces and pieces[-1][-1][0] == g - 1:
                pieces[-1].append((g, runs[0]))
            else:
                for run in runs:
                    pieces.append([(g, run)])
            previous_single = len(runs) == 1
        outlines: list[tuple[tuple[float, float], ...]] = []
        for piece in pieces:
            rects = []
            for g, run in piece:
                left = min(people[p].x - people[p].extent for p in run) - HOUSEHOLD_PAD
                right = max(people[p].x + people[p].extent for p in run) + HOUSEHOLD_PAD
                top = row_y[g] - max(people[p].half for p in run) - HOUSEHOLD_BAND
                bottom = row_y[g] + row_bottom[g] + HOUSEHOLD_PAD
                rects.append((left, top, right, bottom))
            right_side = [pt for (_, t, r, b) in rects for pt in ((r, t), (r, b))]
            left_side = [pt for (lft, t, _, b) in reversed(rects) for pt in ((lft, b), (lft, t))]
            outlines.append(tuple((_round(x), _round(y)) for x, y in right_side + left_side))
        label_at = (0.0, 0.0)
        if pieces:
            g, run = pieces[0][0]
            left = outlines[0][-1][0]
            right = outlines[0][0][0]
            baseline = outlines[0][0][1] + 15.0
            text = household.label or household.id
            width = text_width(text, 11.0, bold=True)
            # Start the label in the widest clear stretch between lines dropping through the band.
            cuts = sorted([left + 2.0] + [x for x in vertical_lines if left < x < right] + [right - 2.0])
            best_start, best_room = left + 8.0, -1.0
            for a, b in zip(cuts, cuts[1:], strict=False):
                room = b - a - 12.0
                if room >= width:
                    best_start, best_room = a + 6.0, room
                    break
                if room > best_room:
                    best_start, best_room = a + 6.0, room
            if best_room < width:
                # No stretch is wide enough (a long address over a narrow household): end the label at
                # the boundary's right edge rather than run off the drawing.
                best_start = max(0.0, min(best_start, right - 6.0 - width))
            label_at = (_round(best_start), _round(baseline))
        placed.append(
            PlacedHousehold(
                id=household.id,
                label=household.label,
                member_ids=household.member_ids,
                keys=st.household_keys.get(household.id, ()),
                pieces=tuple(outlines),
                label_at=label_at,
                colour_index=colour,
            )
        )
    return tuple(placed)


def _connectors(
    st: Structure, people: dict[str, PlacedPerson], fam: CanonicalFamily
) -> tuple[PlacedConnector, ...]:
    # Ends arriving at the top of a symbol are spread out so they do not sit on each other.
    arrivals: dict[str, list[tuple[float, str]]] = defaultdict(list)
    plans: list[tuple[Connector, str, str]] = []
    for conn in st.connectors:
        a, b = people[conn.from_id], people[conn.to_id]
        if a.generation == b.generation:
            plans.append((conn, conn.from_id, conn.to_id))
            continue
        upper, lower = (a, b) if a.generation < b.generation else (b, a)
        arrivals[lower.id].append((upper.x, "|".join(conn.keys)))
        plans.append((conn, upper.id, lower.id))
    offsets: dict[tuple[str, str], float] = {}
    bends: dict[tuple[str, str], float] = {}
    for person_id, items in sorted(arrivals.items()):
        items.sort()
        has_drop = person_id in st.child_union
        half = people[person_id].half
        limit = max(6.0, half - 8.0)
        lefts = [i for i in items if i[0] < people[person_id].x]
        rights = [i for i in items if i[0] >= people[person_id].x]
        for group, sign in ((lefts, -1.0), (rights, 1.0)):
            n = len(group)
            # Nearest source first: it ends nearest the centre and runs highest, so lines do not cross.
            for k, (_, key) in enumerate(group if sign > 0 else list(reversed(group))):
                inner = 7.0 if has_drop else 0.0
                step = (limit - inner) / max(1, n)
                offsets[(person_id, key)] = sign * (inner + step * (k + 1) if has_drop else step * k)
                bends[(person_id, key)] = (k - (n - 1) / 2) * 16.0
    placed: list[PlacedConnector] = []
    for conn, first, second in plans:
        a, b = people[first], people[second]
        if a.generation == b.generation:
            ya, yb = a.y + a.label_bottom + 2.0, b.y + b.label_bottom + 2.0
            dip = max(ya, yb) + 34.0
            points = ((a.x, ya), (a.x, dip), (b.x, dip), (b.x, yb))
        else:
            arrival = (b.id, "|".join(conn.keys))
            off = offsets[arrival]
            start = (a.x, a.y + a.label_bottom + 2.0)
            end = (b.x + off, b.y + _boundary_y(fam.by_id[b.id], b.half, off, top=True))
            middle = (start[1] + end[1]) / 2 + bends[arrival]
            points = (start, (start[0], middle), (end[0], middle), end)
        placed.append(
            PlacedConnector(
                kind=conn.kind,
                from_id=conn.from_id,
                to_id=conn.to_id,
                label=conn.label,
                keys=conn.keys,
                points=tuple((_round(x), _round(y)) for x, y in points),
            )
        )
    return tuple(placed)


def _span(values: Iterable[float]) -> tuple[float, float]:
    items = list(values)
    return min(items), max(items)


def _anchors(
    fam: CanonicalFamily,
    st: Structure,
    rows: list[list[str]],
    xs: dict[str, float],
    extents: dict[str, float],
    placer: _Placer,
) -> tuple[dict[str, float], dict[str, bool]]:
    """Where each couple's children's line leaves their line: towards the children's centre, within
    the clear channel between the labels, and never on top of another family's child's drop."""
    gens = st.generation
    anchors: dict[str, float] = {}
    arched: dict[str, bool] = {}
    drops_below: dict[int, list[tuple[float, str]]] = defaultdict(list)
    for union in st.unions:
        for child in union.children:
            drops_below[gens[child]].append((xs[child], union.key))
    for union in st.unions:
        anchor = placer.anchor(union)
        if len(union.partners) == 2:
            a, b = union.partners
            arched[union.key] = abs(placer.index[a] - placer.index[b]) > 1
        kids = [xs[c] for c in union.children]
        if not kids:
            anchors[union.key] = anchor
            continue
        wanted = (min(kids) + max(kids)) / 2
        low = high = anchor
        if len(union.partners) == 2 and not arched[union.key]:
            a, b = sorted(union.partners, key=lambda p: xs[p])
            middle, reach = (xs[a] + xs[b]) / 2, (xs[b] - xs[a]) / 4
            low = max(xs[a] + extents[a] + 4.0, middle - reach)
            high = min(xs[b] - extents[b] - 4.0, middle + reach)
        elif len(union.partners) == 1 and placer.sides.get(union.key) in ("left", "right"):
            parent = union.partners[0]
            sign = 1.0 if placer.sides[union.key] == "right" else -1.0
            row = rows[gens[parent]]
            i = placer.index[parent] + int(sign)
            far = STUB + 12.0
            if 0 <= i < len(row):
                far = min(far, abs(xs[row[i]] - xs[parent]) - extents[row[i]] - 6.0)
            near = symbol_half(fam.by_id[parent]) + 14.0
            if near < far:
                low, high = sorted((xs[parent] + sign * near, xs[parent] + sign * far))
        elif arched.get(union.key):
            # Drop the children's line through the nearest clear gap between the two partners.
            row = rows[gens[union.partners[0]]]
            lo, hi = sorted(placer.index[p] for p in union.partners)
            gaps = [(xs[row[i]] + xs[row[i + 1]]) / 2 for i in range(lo, hi)]
            anchor = min(gaps, key=lambda gx: (abs(gx - anchor), gx))
            low = high = anchor
        if low > high:
            low = high = anchor
        others = [x for x, key in drops_below[gens[union.children[0]]] if key != union.key]
        candidates = [min(max(wanted, low), high), low, high]
        for x in others:
            candidates += [x - 12.0, x + 12.0]
        allowed = [c for c in candidates if low - 1e-9 <= c <= high + 1e-9]
        clear = [c for c in allowed if all(abs(c - x) >= 11.9 for x in others)]
        pool = clear or allowed or [anchor]
        anchors[union.key] = min(pool, key=lambda c: (abs(c - wanted), c))
    return anchors, arched


def layout(family: Family) -> Layout:
    """Place every person, line and household boundary. Deterministic: the same family, in any input
    order, gives the same layout."""
    fam = canonicalise(family)
    st = build(fam)
    roles = role_lines(st)
    for person in fam.people:
        if person.notes:
            roles[person.id] = (*roles.get(person.id, ()), *person.notes)
    labels = {p.id: label_geometry(p, roles.get(p.id, ())) for p in fam.people}
    extents = {pid: geometry[1] for pid, geometry in labels.items()}
    rows = _Orderer(st).order() if fam.people else []
    placer = _Placer(st, rows, extents)
    xs = placer.run()
    gens = st.generation
    depth = len(rows)

    # Vertical positions: each gap between rows is as tall as its stacked children's lines need.
    union_rows: dict[int, list[Union]] = defaultdict(list)
    for union in st.unions:
        union_rows[gens[union.partners[0]]].append(union)
    anchors, arched = _anchors(fam, st, rows, xs, extents, placer)
    levels: dict[str, int] = {}
    level_count = [0] * depth
    for g in range(depth):
        spans = []
        for union in union_rows.get(g, []):
            if union.children:
                left, right = _span([anchors[union.key]] + [xs[c] for c in union.children])
                spans.append((left - 4.0, right + 4.0, union.key))
        levels.update(_bar_levels(spans))
        level_count[g] = 1 + max((levels[s[2]] for s in spans), default=-1)
    row_bottom = [
        max((labels[p][2] for p in row), default=R) for row in rows
    ]  # label bottom below centre, per row
    row_top = [max((symbol_half(fam.by_id[p]) for p in row), default=R) for row in rows]
    row_y: list[float] = []
    y = MARGIN + HOUSEHOLD_BAND + (row_top[0] if rows else R)
    for g in range(depth):
        row_y.append(y)
        if g + 1 < depth:
            bars = max(1, level_count[g])
            y += row_bottom[g] + HOUSEHOLD_PAD + 2 * BAR_MARGIN + BAR_STEP * (bars - 1)
            y += HOUSEHOLD_BAND + row_top[g + 1]
    # Horizontal extent: shift everything so the leftmost label starts at the margin.
    if xs:
        left = min(xs[p] - extents[p] for p in xs) - HOUSEHOLD_PAD
        right = max(xs[p] + extents[p] for p in xs) + HOUSEHOLD_PAD
    else:
        left, right = 0.0, 0.0
    shift = MARGIN - left
    people: dict[str, PlacedPerson] = {}
    for person in fam.people:
        lines, extent, bottom = labels[person.id]
        g = gens[person.id]
        people[person.id] = PlacedPerson(
            id=person.id,
            generation=g,
            x=_round(xs[person.id] + shift),
            y=_round(row_y[g]),
            half=symbol_half(person),
            extent=extent,
            name_lines=lines,
            role_lines=roles.get(person.id, ()),
            label_bottom=bottom,
        )
    unions: list[PlacedUnion] = []
    for union in st.unions:
        g = gens[union.partners[0]]
        partners = tuple(sorted(union.partners, key=lambda p: xs[p]))
        bar_y = None
        if union.children:
            bar_y = _round(
                row_y[g] + row_bottom[g] + HOUSEHOLD_PAD + BAR_MARGIN + BAR_STEP * levels[union.key]
            )
        unions.append(
            PlacedUnion(
                key=union.key,
                partners=partners,
                style=union.style,
                status=union.status,
                partnership_keys=union.partnership_keys,
                children=union.children,
                anchor_x=_round(anchors[union.key] + shift),
                line_y=_round(row_y[g]),
                bar_y=bar_y,
                arched=arched.get(union.key, False),
                side=placer.sides.get(union.key),
            )
        )
    households = _households(fam, st, rows, people, [_round(v) for v in row_y], row_bottom)
    connectors = _connectors(st, people, fam)
    height = (row_y[-1] + row_bottom[-1] + HOUSEHOLD_PAD + MARGIN) if rows else 2 * MARGIN
    for conn in connectors:
        height = max(height, max(p[1] for p in conn.points) + MARGIN)
    return Layout(
        width=_round(right - left + 2 * MARGIN),
        height=_round(height),
        people=people,
        rows=tuple(tuple(row) for row in rows),
        unions=tuple(unions),
        connectors=connectors,
        households=households,
        structure=st,
        family=fam,
    )
