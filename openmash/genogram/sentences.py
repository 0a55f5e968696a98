"""The genogram's relationships as plain sentences, for screen readers and for anyone who prefers text.

Each person is introduced once with their age in brackets (and "child referred", or the family's own
words for the person referred, for the subject); after that they are named without it. The subject's own
relationships come first."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from openmash.genogram.model import PARTNERSHIP_KINDS, Family, GenoPerson, GenoRelationship, canonicalise
from openmash.genogram.structure import birth_key, build
from openmash.genogram.text import age_phrase

_SEX_ORDER = {"female": 0, "male": 1, "other": 2, "unknown": 3}


def _word(person: GenoPerson, male: str, female: str, neutral: str) -> str:
    return {"male": male, "female": female}.get(person.sex, neutral)


def _join(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


class _Narrator:
    def __init__(self, people: dict[str, GenoPerson], as_of: date, subject: str = "child referred") -> None:
        self.people = people
        self.subject = subject
        self.as_of = as_of
        self.mentioned: dict[str, int] = {}  # person id -> order of first mention
        firsts: dict[str, int] = defaultdict(int)
        for person in people.values():
            firsts[self._first(person)] += 1
        self.unique_first = {k for k, v in firsts.items() if v == 1}

    @staticmethod
    def _first(person: GenoPerson) -> str:
        parts = person.name.split()
        return parts[0] if parts else person.name

    def name(self, pid: str) -> str:
        """The full name, with the age on first mention."""
        person = self.people[pid]
        if pid in self.mentioned:
            return person.name
        self.mentioned[pid] = len(self.mentioned)
        phrase = age_phrase(person, self.as_of)
        if person.is_subject:
            phrase += f", {self.subject}"
        return f"{person.name} ({phrase})"

    def short(self, pid: str) -> str:
        person = self.people[pid]
        first = self._first(person)
        return first if first in self.unique_first else person.name

    def possessive(self, pid: str) -> str:
        return self.short(pid) + "'s"


def _partner_noun(rel: GenoRelationship, person: GenoPerson) -> str:
    """What ``person`` is to the other partner: "partner", "ex-husband", "wife", "former partner"."""
    status = rel.status or ("separated" if rel.kind == "ex_partner" else "current")
    if rel.kind == "spouse" or status == "divorced":
        spouse = _word(person, "husband", "wife", "spouse")
        if status == "divorced":
            return _word(person, "ex-husband", "ex-wife", "former spouse")
        if status == "separated":
            return f"separated {spouse}"
        if status == "widowed":
            return f"late {spouse}" if person.is_deceased else spouse
        return spouse
    return "partner" if status == "current" else "former partner"


def relationship_list(family: Family, *, as_of: date) -> list[str]:
    """Every relationship the genogram draws, as sentences in a stable order, subject first."""
    fam = canonicalise(family)
    st = build(fam)
    people = fam.by_id
    gens = st.generation
    say = _Narrator(people, as_of, fam.subject)
    out: list[str] = []
    done: set[str] = set()  # relationship keys already put into words

    parents_of: dict[str, list[str]] = defaultdict(list)
    parent_keys: dict[str, list[str]] = defaultdict(list)
    for rel in fam.relationships:
        if rel.kind == "parent":
            if rel.from_id not in parents_of[rel.to_id]:
                parents_of[rel.to_id].append(rel.from_id)
            parent_keys[rel.to_id].append(rel.key)
    for child in parents_of:
        parents_of[child].sort(key=lambda p: (_SEX_ORDER[people[p].sex], people[p].name, p))
    partnerships: dict[frozenset[str], list[GenoRelationship]] = defaultdict(list)
    for rel in fam.relationships:
        if rel.kind in PARTNERSHIP_KINDS:
            partnerships[frozenset((rel.from_id, rel.to_id))].append(rel)
    for rels in partnerships.values():
        rels.sort(key=lambda r: ({"spouse": 0, "partner": 1, "ex_partner": 2}[r.kind], r.key))

    subjects = sorted((p for p in fam.people if p.is_subject), key=birth_key)
    subject_gen = min((gens[s.id] for s in subjects), default=max(gens.values(), default=0))

    def parentage(child: str, clause: bool = False) -> str:
        person = people[child]
        noun = _word(person, "son", "daughter", "child")
        names = [say.name(p) for p in parents_of[child]]
        done.update(parent_keys[child])
        if clause:
            return f"the {noun} of {_join(names)}"
        return f"{say.name(child)} is the {noun} of {_join(names)}"

    def partnership(pair: frozenset[str]) -> str | None:
        rels = [r for r in partnerships[pair] if r.key not in done]
        if not rels:
            return None
        rel = rels[0]
        done.update(r.key for r in partnerships[pair])
        a, b = sorted(pair, key=lambda p: (say.mentioned.get(p, len(people)), gens[p], people[p].name, p))
        status = rel.status or ("separated" if rel.kind == "ex_partner" else "current")
        if status == "divorced":
            return f"{say.name(a)} and {say.name(b)} are divorced"
        if rel.kind == "spouse":
            if status == "separated":
                return f"{say.name(a)} and {say.name(b)} are married but separated"
            if status == "widowed":
                dead = [p for p in (a, b) if people[p].is_deceased]
                if len(dead) == 1:
                    alive = b if dead[0] == a else a
                    return f"{say.name(alive)} was married to {say.name(dead[0])}, who has died"
                return f"{say.name(a)} and {say.name(b)} were married until one of them died"
            return f"{say.name(a)} and {say.name(b)} are married"
        if status == "separated":
            return f"{say.name(a)} and {say.name(b)} were partners and have separated"
        return f"{say.name(a)} and {say.name(b)} are partners"

    def step(rel: GenoRelationship) -> str:
        done.add(rel.key)
        s, child = rel.from_id, rel.to_id
        noun = _word(people[s], "step-father", "step-mother", "step-parent")
        text = f"{say.name(s)} is {say.possessive(child)} {noun}"
        for parent in parents_of.get(child, []):
            rels = partnerships.get(frozenset((s, parent)), [])
            if rels:
                text += f", {say.possessive(parent)} {_partner_noun(rels[0], people[s])}"
                done.update(r.key for r in rels)
                break
        return text

    def social(rel: GenoRelationship) -> str:
        done.add(rel.key)
        a, b = rel.from_id, rel.to_id
        extra = f" ({rel.status})" if rel.status else ""
        if rel.kind == "carer":
            return f"{say.name(a)} is {say.possessive(b)} carer{extra}"
        if rel.kind == "other_significant_adult":
            return f"{say.name(a)} is a significant adult in {say.possessive(b)} life{extra}"
        return f"{say.name(a)} and {say.name(b)} live in the same household{extra}"

    def grandparent(rel: GenoRelationship) -> str:
        done.add(rel.key)
        noun = _word(people[rel.from_id], "grandfather", "grandmother", "grandparent")
        return f"{say.name(rel.from_id)} is {say.possessive(rel.to_id)} {noun}"

    def sibling(rel: GenoRelationship, about: str | None = None) -> str:
        done.add(rel.key)
        a, b = rel.from_id, rel.to_id
        if about is not None and about == a:
            a, b = b, a
        half = rel.kind == "half_sibling"
        noun = _word(people[a], "brother", "sister", "sibling")
        return f"{say.name(a)} is {say.possessive(b)} {'half-' if half else ''}{noun}"

    def involving(pid: str, kinds: set[str]) -> list[GenoRelationship]:
        return [r for r in fam.relationships if r.kind in kinds and pid in (r.from_id, r.to_id)]

    stated_parentage: set[str] = set()
    for subject in subjects:
        sid = subject.id
        if parents_of.get(sid):
            out.append(parentage(sid))
            stated_parentage.add(sid)
        parents = parents_of.get(sid, [])
        pairs = sorted(
            {pair for pair in partnerships if pair & set(parents)},
            key=lambda pair: (not pair <= set(parents), sorted(people[p].name for p in pair), sorted(pair)),
        )
        for pair in pairs:
            if pair <= set(parents) and (sentence := partnership(pair)):
                out.append(sentence)
        for rel in involving(sid, {"step_parent"}):
            if rel.to_id == sid:
                out.append(step(rel))
        # Brothers and sisters, full and half, whether recorded directly or through shared parents.
        explicit = {
            (r.to_id if r.from_id == sid else r.from_id): r
            for r in involving(sid, {"sibling", "half_sibling"})
        }
        mine = set(parents)
        related = set(explicit)
        if mine:
            related |= {c for c, ps in parents_of.items() if c != sid and set(ps) & mine}
        for other in sorted(related, key=lambda o: birth_key(people[o])):
            if other in explicit:
                rel = explicit[other]
                text = sibling(rel, about=sid)
                half = rel.kind == "half_sibling"
            else:
                half = set(parents_of[other]) != mine
                noun = _word(people[other], "brother", "sister", "sibling")
                text = f"{say.name(other)} is {say.possessive(sid)} {'half-' if half else ''}{noun}"
            if half and parents_of.get(other) and other not in stated_parentage:
                text += ", " + parentage(other, clause=True)
                stated_parentage.add(other)
            elif not half and set(parents_of.get(other, [])) == mine and mine:
                done.update(parent_keys[other])
                stated_parentage.add(other)
            out.append(text)
        for rel in involving(sid, {"grandparent"}):
            if rel.to_id == sid:
                out.append(grandparent(rel))
        for kind in ("carer", "other_significant_adult", "household_member"):
            for rel in involving(sid, {kind}):
                out.append(social(rel))
        for pair in pairs:
            if sentence := partnership(pair):
                out.append(sentence)

    def closeness(pid: str) -> tuple[int, int, tuple[bool, date, str, str]]:
        return (abs(gens[pid] - subject_gen), gens[pid], birth_key(people[pid]))

    # Brothers and sisters with the same parents share one sentence.
    families: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for child in sorted(parents_of, key=closeness):
        if child not in stated_parentage and any(k not in done for k in parent_keys[child]):
            families[tuple(parents_of[child])].append(child)
    for parent_ids, children in sorted(families.items(), key=lambda item: closeness(item[1][0])):
        if len(children) == 1:
            out.append(parentage(children[0]))
            continue
        joined = _join([say.name(c) for c in children])
        for child in children:
            done.update(parent_keys[child])
        out.append(f"{joined} are the children of {_join([say.name(p) for p in parent_ids])}")
    for pair in sorted(partnerships, key=lambda pr: (min(closeness(p) for p in pr), sorted(pr))):
        if sentence := partnership(pair):
            out.append(sentence)
    remaining = [r for r in fam.relationships if r.key not in done]
    remaining.sort(key=lambda r: (closeness(r.to_id), closeness(r.from_id), r.key))
    for rel in remaining:
        if rel.key in done:
            continue
        if rel.kind == "step_parent":
            out.append(step(rel))
        elif rel.kind in ("sibling", "half_sibling"):
            out.append(sibling(rel))
        elif rel.kind == "grandparent":
            out.append(grandparent(rel))
        elif rel.kind in ("carer", "other_significant_adult", "household_member"):
            out.append(social(rel))
    for household in fam.households:
        members = sorted(household.member_ids, key=lambda m: (gens[m], birth_key(people[m])))
        names = [say.name(m) for m in members]
        label = household.label or "A household"
        if len(names) == 1:
            out.append(f"{label}: {names[0]} lives alone")
        elif names:
            out.append(f"{label}: {_join(names)} live together")
    for person in sorted(fam.people, key=lambda p: (gens[p.id], birth_key(p))):
        if person.id not in say.mentioned:
            out.append(f"{say.name(person.id)} has no relationships recorded")
    return out
