"""What the relationships mean for the drawing: generations, couples with their children, and the
relationships that need a connector of their own."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Literal

from openmash.genogram.model import (
    PARTNERSHIP_KINDS,
    SOCIAL_KINDS,
    CanonicalFamily,
    GenoPerson,
    GenoRelationship,
)

LineStyle = Literal["married", "partners", "unrecorded", "single"]
ConnectorKind = Literal["step", "social", "sibling", "other"]

_KIND_STRENGTH = {"spouse": 0, "partner": 1, "ex_partner": 2}
_SOCIAL_LABELS = {
    "carer": "carer",
    "household_member": "household member",
    "other_significant_adult": "significant adult",
}


def birth_key(person: GenoPerson) -> tuple[bool, date, str, str]:
    """Oldest first; people without a date of birth after those with one."""
    dob = person.date_of_birth
    return (dob is None, dob or date.max, person.name, person.id)


@dataclass(frozen=True, slots=True)
class Union:
    """A couple (or one parent alone) and the children drawn hanging from them."""

    key: str
    partners: tuple[str, ...]
    style: LineStyle
    status: str
    partnership_keys: tuple[str, ...]
    children: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Connector:
    """A relationship drawn as a line of its own rather than by the family tree's structure."""

    kind: ConnectorKind
    from_id: str
    to_id: str
    label: str
    keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Structure:
    family: CanonicalFamily
    generation: dict[str, int]
    unions: tuple[Union, ...]
    #: child id -> key of the union the child hangs from.
    child_union: dict[str, str]
    connectors: tuple[Connector, ...]
    #: child id -> relationship keys drawn by that child's drop line (parents, implied siblings, ...).
    drop_keys: dict[str, tuple[str, ...]]
    #: household id -> relationship keys the household boundary stands for.
    household_keys: dict[str, tuple[str, ...]]


class _Groups:
    """Union-find over person ids; the representative of a group is its smallest id."""

    def __init__(self, ids: list[str]) -> None:
        self.parent = {i: i for i in ids}

    def find(self, item: str) -> str:
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def join(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            low, high = sorted((ra, rb))
            self.parent[high] = low


def _choose_parents(child: str, parents: list[str], partnered: set[tuple[str, str]]) -> tuple[str, ...]:
    if len(parents) <= 2:
        return tuple(parents)
    for i, a in enumerate(parents):
        for b in parents[i + 1 :]:
            if (a, b) in partnered:
                return (a, b)
    return (parents[0], parents[1])


def _without_cycles(edges: list[tuple[str, str, int]], nodes: list[str]) -> list[tuple[str, str, int]]:
    """Drop the edges that close a cycle (someone recorded as their own ancestor), found by a
    depth-first search in sorted order so the same edges are always dropped."""
    out: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for a, b, w in edges:
        out[a].append((b, w))
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    back: set[tuple[str, str, int]] = set()
    for start in nodes:
        if start in state:
            continue
        state[start] = 1
        stack = [(start, iter(out[start]))]
        while stack:
            node, children = stack[-1]
            step = next(children, None)
            if step is None:
                state[node] = 2
                stack.pop()
                continue
            child, weight = step
            if state.get(child) == 1:
                back.add((node, child, weight))
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(out[child])))
    return [e for e in edges if e not in back]


def _generations(
    fam: CanonicalFamily, co_parents: list[tuple[str, str]], subject_ids: list[str]
) -> dict[str, int]:
    ids = [p.id for p in fam.people]
    groups = _Groups(ids)
    for rel in fam.relationships:
        if rel.kind in PARTNERSHIP_KINDS or rel.kind in ("sibling", "half_sibling"):
            groups.join(rel.from_id, rel.to_id)
    for a, b in co_parents:
        groups.join(a, b)
    steps = {"parent": 1, "step_parent": 1, "grandparent": 2}
    edges: list[tuple[str, str, int]] = []
    for rel in fam.relationships:
        if rel.kind in steps:
            a, b = groups.find(rel.from_id), groups.find(rel.to_id)
            if a != b:
                edges.append((a, b, steps[rel.kind]))
    roots = sorted({groups.find(i) for i in ids})
    edges = _without_cycles(sorted(set(edges)), roots)
    structural = {a for a, _, _ in edges} | {b for _, b, _ in edges}
    gen: dict[str, int] = dict.fromkeys(roots, 0)
    for _ in range(len(roots) + 1):  # longest path (the graph is acyclic now)
        changed = False
        for a, b, w in edges:
            if gen[b] < gen[a] + w:
                gen[b] = gen[a] + w
                changed = True
        if not changed:
            break
    incoming = {b for _, b, _ in edges}
    outgoing: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for a, b, w in edges:
        outgoing[a].append((b, w))
    for _ in range(len(roots) + 1):  # bring ancestors down to sit just above their descendants
        changed = False
        for root in roots:
            if root in incoming or root not in outgoing:
                continue
            best = min(gen[b] - w for b, w in outgoing[root])
            if best != gen[root]:
                gen[root] = best
                changed = True
        if not changed:
            break
    placed = set(structural)
    for _ in range(len(roots) + 1):  # carers and other adults sit a generation above those they link to
        changed = False
        for root in roots:
            if root in placed:
                continue
            candidates: list[int] = []
            for rel in fam.relationships:
                if rel.kind not in SOCIAL_KINDS:
                    continue
                a, b = groups.find(rel.from_id), groups.find(rel.to_id)
                if a == root and b in placed:
                    candidates.append(gen[b] if rel.kind == "household_member" else gen[b] - 1)
                elif b == root and a in placed:
                    candidates.append(gen[a] if rel.kind == "household_member" else gen[a] + 1)
            if candidates:
                gen[root] = min(candidates)
                placed.add(root)
                changed = True
        if not changed:
            break
    subject_gen = [gen[groups.find(s)] for s in subject_ids if groups.find(s) in placed]
    for root in roots:
        if root not in placed:
            gen[root] = max(0, min(subject_gen) - 1) if subject_gen else 0
    low = min(gen.values()) if gen else 0
    return {i: gen[groups.find(i)] - low for i in ids}


def build(fam: CanonicalFamily) -> Structure:
    by_id = fam.by_id
    rels = fam.relationships
    partnered: set[tuple[str, str]] = set()
    for rel in rels:
        if rel.kind in PARTNERSHIP_KINDS:
            ends = sorted((rel.from_id, rel.to_id))
            partnered.add((ends[0], ends[1]))
    parents_of: dict[str, list[str]] = defaultdict(list)
    parent_rel: dict[tuple[str, str], list[GenoRelationship]] = defaultdict(list)
    for rel in rels:
        if rel.kind == "parent":
            if rel.from_id not in parents_of[rel.to_id]:
                parents_of[rel.to_id].append(rel.from_id)
            parent_rel[(rel.from_id, rel.to_id)].append(rel)
    chosen: dict[str, tuple[str, ...]] = {
        child: _choose_parents(child, sorted(ps), partnered) for child, ps in sorted(parents_of.items())
    }
    co_parents = [(ps[0], ps[1]) for ps in chosen.values() if len(ps) == 2]
    subjects = [p.id for p in fam.people if p.is_subject]
    generation = _generations(fam, co_parents, subjects)

    connectors: list[Connector] = []
    drop: dict[str, list[str]] = defaultdict(list)
    union_children: dict[tuple[str, ...], list[str]] = defaultdict(list)
    child_union: dict[str, str] = {}
    for child, ps in chosen.items():
        pair = tuple(sorted(ps))
        same_row = len({generation[p] for p in pair}) == 1
        if same_row and generation[child] == generation[pair[0]] + 1:
            union_children[pair].append(child)
            for p in pair:
                drop[child].extend(r.key for r in parent_rel[(p, child)])
        else:
            pair = ()
        for p in parents_of[child]:
            if p not in pair:
                for r in parent_rel[(p, child)]:
                    connectors.append(Connector("other", p, child, "parent", (r.key,)))
    partnership_rels: dict[tuple[str, ...], list[GenoRelationship]] = defaultdict(list)
    for rel in rels:
        if rel.kind in PARTNERSHIP_KINDS:
            couple = tuple(sorted((rel.from_id, rel.to_id)))
            if generation[couple[0]] == generation[couple[1]]:
                partnership_rels[couple].append(rel)
            else:
                connectors.append(Connector("other", rel.from_id, rel.to_id, _partner_word(rel), (rel.key,)))
    unions: list[Union] = []
    for pair in sorted(set(union_children) | set(partnership_rels)):
        children = tuple(sorted(union_children.get(pair, []), key=lambda c: birth_key(by_id[c])))
        for child in children:
            child_union[child] = "u:" + "+".join(pair)
        if len(pair) == 1:
            unions.append(Union("u:" + pair[0], pair, "single", "", (), children))
            continue
        prels = sorted(partnership_rels.get(pair, []), key=lambda r: (_KIND_STRENGTH[r.kind], r.key))
        if prels:
            main = prels[0]
            status = main.status or ("separated" if main.kind == "ex_partner" else "current")
            married = main.kind == "spouse" or (main.kind == "ex_partner" and status == "divorced")
            style: LineStyle = "married" if married else "partners"
        else:
            status, style = "current", "unrecorded"
        unions.append(
            Union("u:" + "+".join(pair), pair, style, status, tuple(r.key for r in prels), children)
        )

    households_of: dict[str, set[str]] = defaultdict(set)
    for household in fam.households:
        for member in household.member_ids:
            households_of[member].add(household.id)
    household_keys: dict[str, list[str]] = defaultdict(list)
    all_parents = {child: set(ps) for child, ps in parents_of.items()}
    for rel in rels:
        a, b = rel.from_id, rel.to_id
        if rel.kind in ("sibling", "half_sibling"):
            shared = all_parents.get(a, set()) & all_parents.get(b, set())
            if shared and a in child_union and b in child_union:
                drop[a].append(rel.key)
                drop[b].append(rel.key)
            else:
                label = "sibling" if rel.kind == "sibling" else "half-sibling"
                connectors.append(Connector("sibling", a, b, label, (rel.key,)))
        elif rel.kind == "grandparent":
            middle = sorted(p for p in all_parents.get(b, set()) if a in all_parents.get(p, set()))
            if middle and middle[0] in child_union and b in child_union:
                drop[middle[0]].append(rel.key)
                drop[b].append(rel.key)
            else:
                connectors.append(Connector("other", a, b, "grandparent", (rel.key,)))
        elif rel.kind == "step_parent":
            connectors.append(Connector("step", a, b, "step-parent", (rel.key,)))
        elif rel.kind == "household_member" and households_of[a] & households_of[b]:
            for household_id in sorted(households_of[a] & households_of[b]):
                household_keys[household_id].append(rel.key)
        elif rel.kind in SOCIAL_KINDS:
            label = _SOCIAL_LABELS[rel.kind]
            if rel.status:
                label = f"{label} ({rel.status})"
            connectors.append(Connector("social", a, b, label, (rel.key,)))
    return Structure(
        family=fam,
        generation=generation,
        unions=tuple(unions),
        child_union=child_union,
        connectors=tuple(sorted(connectors, key=lambda c: c.keys)),
        drop_keys={child: tuple(sorted(set(keys))) for child, keys in sorted(drop.items())},
        household_keys={h: tuple(sorted(set(keys))) for h, keys in sorted(household_keys.items())},
    )


def _partner_word(rel: GenoRelationship) -> str:
    if rel.kind == "spouse":
        return "married" if rel.status in ("", "current") else f"married, {rel.status}"
    if rel.kind == "ex_partner":
        return "former partners"
    return "partners" if rel.status in ("", "current") else f"partners, {rel.status}"
