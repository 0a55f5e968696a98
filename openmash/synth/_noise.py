"""Identity noise for synthetic agency extracts: the ways real systems get people wrong.

Every function takes the caller's seeded ``random.Random`` and returns a new
value; nothing here keeps state, so the output depends only on the generator's
draws. :class:`NoiseRates` holds the probabilities (each the chance that one
record gets that kind of error, where the error is possible at all).

The name tables are fixed lists of common British nicknames and alternative
spellings of the given names Faker's ``en_GB`` locale produces; they describe
how names vary, not any real person.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta

__all__ = [
    "NICKNAME_GROUPS",
    "SPELLING_GROUPS",
    "NoiseRates",
    "abbreviate_street",
    "dob_day_typo",
    "name_alternatives",
    "nickname_for",
    "partial_double_barrel",
    "postcode_format_variant",
    "postcode_typo",
    "shift_year",
    "spelling_variant",
    "strip_punctuation",
    "swap_day_month",
    "typo",
]


@dataclass(frozen=True, slots=True)
class NoiseRates:
    """Per-record probabilities of each kind of identity error.

    A rate applies only where the error is possible: ``nickname`` to names
    that have a nickname or formal form, ``dob_swap`` to dates whose day is 12
    or less and differs from the month, ``previous_surname`` to people with an
    earlier family name, ``double_barrel_partial`` to hyphenated surnames,
    ``old_address`` to people with an earlier address on record, and so on.
    """

    given_typo: float = 0.03
    """An insertion, deletion, substitution (usually a neighbouring key) or transposition."""
    surname_typo: float = 0.03
    nickname: float = 0.10
    """William recorded as Bill, Katie as Katherine, and so on."""
    spelling_variant: float = 0.05
    """Steven for Stephen, Claire for Clare, Mohamed for Mohammed."""
    middle_name: float = 0.02
    """The middle name added to the given name, or used in its place."""
    name_swap: float = 0.005
    """Given name and surname entered the wrong way round."""
    name_case: float = 0.02
    """A name typed all in capitals or all in lower case."""
    previous_surname: float = 0.20
    """An earlier family name (before marriage or a change of name) still on record."""
    known_as_surname: float = 0.05
    """A child recorded under the surname of another adult in the household."""
    double_barrel_partial: float = 0.35
    """Only one half of a hyphenated surname, or the halves without the hyphen."""
    punctuation: float = 0.20
    """O'Neill recorded as ONeill or O Neill."""
    dob_swap: float = 0.02
    """Day and month swapped (US-style entry) where that gives a different valid date."""
    dob_year: float = 0.01
    """Year of birth out by one."""
    dob_day: float = 0.01
    """Day of birth mistyped (digits reversed or out by one)."""
    dob_placeholder: float = 0.003
    """Only the year known, so 1 January recorded."""
    dob_missing: float = 0.02
    sex_missing: float = 0.02
    sex_wrong: float = 0.003
    postcode_missing: float = 0.05
    postcode_typo: float = 0.01
    postcode_format: float = 0.08
    """Postcode without its space or in lower case."""
    address_missing: float = 0.02
    address_format: float = 0.15
    """Street type abbreviated (Rd, St, Ave) or the town left off."""
    old_address: float = 0.08
    """An address from earlier in the person's history, never updated."""
    nhs_typo: float = 0.003
    """Two adjacent digits of the NHS number transposed (never the 999 prefix)."""
    duplicate: float = 0.02
    """A second record for the same person in the same agency; applies to people with at
    least two events, which are split between the two records (older events, older details)."""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"noise rate {f.name} must be between 0 and 1, got {value!r}")

    def scaled(self, factor: float) -> NoiseRates:
        """Every rate multiplied by ``factor`` (capped at 1)."""
        if factor < 0:
            raise ValueError("factor must not be negative")
        return replace(self, **{f.name: min(1.0, getattr(self, f.name) * factor) for f in fields(self)})

    @classmethod
    def none(cls) -> NoiseRates:
        """No noise at all: every record is exactly the person's current identity."""
        return cls(**{f.name: 0.0 for f in fields(cls)})

    @classmethod
    def uniform(cls, rate: float) -> NoiseRates:
        """Every kind of noise at the same ``rate`` (useful for tests)."""
        return cls(**{f.name: rate for f in fields(cls)})


# -- names ----------------------------------------------------------------------

#: Formal name first, then its common British short forms.
NICKNAME_GROUPS: tuple[tuple[str, ...], ...] = (
    ("Alexander", "Alex", "Sandy"),
    ("Alan", "Al"),
    ("Albert", "Bert", "Al"),
    ("Andrew", "Andy", "Drew"),
    ("Anthony", "Tony", "Ant"),
    ("Antony", "Tony", "Ant"),
    ("Arthur", "Art"),
    ("Benjamin", "Ben", "Benny"),
    ("Bernard", "Bernie"),
    ("Bradley", "Brad"),
    ("Callum", "Cal"),
    ("Cameron", "Cam"),
    ("Charles", "Charlie", "Chas"),
    ("Christopher", "Chris", "Kit"),
    ("Christian", "Chris"),
    ("Clifford", "Cliff"),
    ("Daniel", "Danny", "Dan"),
    ("David", "Dave", "Davy"),
    ("Dominic", "Dom"),
    ("Donald", "Don"),
    ("Douglas", "Doug", "Dougie"),
    ("Edward", "Eddie", "Ed", "Ted"),
    ("Francis", "Frank", "Fran"),
    ("Frederick", "Fred", "Freddie"),
    ("Gareth", "Gaz"),
    ("Gary", "Gaz"),
    ("Geoffrey", "Geoff"),
    ("Gerald", "Gerry"),
    ("Gerard", "Gerry"),
    ("Gregory", "Greg"),
    ("Henry", "Harry", "Hal"),
    ("Jacob", "Jake"),
    ("James", "Jim", "Jimmy", "Jamie"),
    ("Jeffrey", "Jeff"),
    ("Jeremy", "Jez"),
    ("John", "Jack", "Johnny"),
    ("Jonathan", "Jon", "Jonny"),
    ("Joseph", "Joe", "Joey"),
    ("Joshua", "Josh"),
    ("Kenneth", "Ken", "Kenny"),
    ("Lawrence", "Larry", "Laurie"),
    ("Leonard", "Len", "Lenny"),
    ("Leslie", "Les"),
    ("Malcolm", "Mal"),
    ("Matthew", "Matt"),
    ("Mathew", "Matt"),
    ("Maximilian", "Max"),
    ("Michael", "Mike", "Mick", "Mikey"),
    ("Mitchell", "Mitch"),
    ("Mohammed", "Mo"),
    ("Nathan", "Nate", "Nat"),
    ("Nicholas", "Nick", "Nicky"),
    ("Nigel", "Nige"),
    ("Norman", "Norm"),
    ("Oliver", "Ollie"),
    ("Patrick", "Pat", "Paddy"),
    ("Peter", "Pete"),
    ("Philip", "Phil"),
    ("Phillip", "Phil"),
    ("Raymond", "Ray"),
    ("Richard", "Rich", "Ricky", "Rick"),
    ("Robert", "Rob", "Bob", "Robbie", "Bobby"),
    ("Ronald", "Ron", "Ronnie"),
    ("Russell", "Russ"),
    ("Samuel", "Sam", "Sammy"),
    ("Stanley", "Stan"),
    ("Stephen", "Steve"),
    ("Steven", "Steve"),
    ("Stuart", "Stu"),
    ("Stewart", "Stu"),
    ("Terence", "Terry", "Tel"),
    ("Thomas", "Tom", "Tommy"),
    ("Timothy", "Tim"),
    ("Tobias", "Toby"),
    ("Trevor", "Trev"),
    ("Victor", "Vic"),
    ("Vincent", "Vince", "Vinny"),
    ("William", "Bill", "Billy", "Will", "Liam"),
    ("Abigail", "Abbie", "Abby"),
    ("Alexandra", "Alex", "Lexi"),
    ("Alison", "Ali"),
    ("Amanda", "Mandy"),
    ("Amelia", "Millie"),
    ("Angela", "Angie"),
    ("Barbara", "Babs", "Barbie"),
    ("Beverley", "Bev"),
    ("Bethany", "Beth"),
    ("Caroline", "Carrie", "Caz"),
    ("Carolyn", "Carrie", "Caz"),
    ("Catherine", "Cathy", "Cat", "Kate"),
    ("Charlotte", "Lottie", "Charlie"),
    ("Christine", "Chris", "Chrissie", "Tina"),
    ("Danielle", "Dani"),
    ("Deborah", "Debbie", "Deb"),
    ("Debra", "Debbie", "Deb"),
    ("Dorothy", "Dot", "Dottie"),
    ("Eleanor", "Ellie", "Nell"),
    ("Elizabeth", "Liz", "Lizzie", "Beth", "Betty"),
    ("Emily", "Em", "Emmy"),
    ("Frances", "Fran", "Frankie"),
    ("Francesca", "Fran", "Frankie"),
    ("Georgina", "Gina", "George"),
    ("Georgia", "George"),
    ("Gillian", "Gill", "Jill"),
    ("Harriet", "Hattie"),
    ("Jacqueline", "Jackie", "Jacqui"),
    ("Jennifer", "Jenny", "Jen"),
    ("Jessica", "Jess", "Jessie"),
    ("Joanne", "Jo"),
    ("Joanna", "Jo"),
    ("Josephine", "Josie", "Jo"),
    ("Judith", "Judy"),
    ("Katherine", "Kate", "Katie", "Kathy", "Kat"),
    ("Kathryn", "Kate", "Katie", "Kathy"),
    ("Kathleen", "Kath", "Kathy"),
    ("Kimberley", "Kim"),
    ("Margaret", "Maggie", "Peggy", "Meg"),
    ("Megan", "Meg"),
    ("Melanie", "Mel"),
    ("Melissa", "Mel", "Missy"),
    ("Michelle", "Shelley"),
    ("Natalie", "Nat"),
    ("Natasha", "Tasha", "Tash"),
    ("Nicola", "Nicky", "Nikki"),
    ("Nicole", "Nikki"),
    ("Olivia", "Liv", "Livvy"),
    ("Pamela", "Pam"),
    ("Patricia", "Pat", "Trish", "Tricia"),
    ("Rebecca", "Becky", "Becca", "Bex"),
    ("Rosemary", "Rosie", "Rose"),
    ("Samantha", "Sam", "Sammie"),
    ("Sandra", "Sandy"),
    ("Stephanie", "Steph"),
    ("Susan", "Sue", "Susie"),
    ("Suzanne", "Suzy", "Sue"),
    ("Teresa", "Tess", "Terri"),
    ("Valerie", "Val"),
    ("Vanessa", "Nessa"),
    ("Victoria", "Vicky", "Tori"),
)

#: Spellings of the same name that sound alike; any may be recorded for any other.
SPELLING_GROUPS: tuple[tuple[str, ...], ...] = (
    ("Stephen", "Steven"),
    ("Philip", "Phillip"),
    ("Matthew", "Mathew"),
    ("Alan", "Allan", "Allen"),
    ("Anthony", "Antony"),
    ("Sean", "Shaun", "Shawn"),
    ("Mohammed", "Mohamed", "Mohammad", "Muhammad"),
    ("Connor", "Conor"),
    ("Damian", "Damien"),
    ("Elliot", "Elliott"),
    ("Gary", "Garry"),
    ("Glen", "Glenn"),
    ("Dennis", "Denis"),
    ("Graham", "Graeme"),
    ("Ian", "Iain"),
    ("Stuart", "Stewart"),
    ("Mark", "Marc"),
    ("Martin", "Martyn"),
    ("Geoffrey", "Jeffrey"),
    ("Lee", "Leigh"),
    ("Rhys", "Reece", "Reese"),
    ("Lewis", "Louis"),
    ("Karl", "Carl"),
    ("Brian", "Bryan"),
    ("Clare", "Claire"),
    ("Tracey", "Tracy"),
    ("Rachel", "Rachael"),
    ("Sarah", "Sara"),
    ("Ann", "Anne"),
    ("Carol", "Carole"),
    ("Deborah", "Debra"),
    ("Lynn", "Lynne"),
    ("Linda", "Lynda"),
    ("Lindsey", "Lindsay"),
    ("Gemma", "Jemma"),
    ("Jane", "Jayne"),
    ("Holly", "Hollie"),
    ("Abbie", "Abby", "Abbey"),
    ("Katie", "Katy", "Katey"),
    ("Catherine", "Katherine", "Kathryn"),
    ("Aimee", "Amy"),
    ("Marian", "Marion"),
    ("Beverley", "Beverly"),
    ("Kimberley", "Kimberly"),
    ("Kayleigh", "Kayley", "Kaylee"),
    ("Leanne", "Lianne"),
    ("Sian", "Shan"),
    ("Zoe", "Zoey"),
    ("Jodie", "Jody"),
    ("Stacey", "Stacy"),
    ("Hayley", "Haley"),
    ("Ashleigh", "Ashley"),
    ("Louise", "Louisa"),
)


def _index(groups: tuple[tuple[str, ...], ...]) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for group in groups:
        for name in group:
            bucket = out.setdefault(name.lower(), [])
            for other in group:
                if other != name and other not in bucket:
                    bucket.append(other)
    return {name: tuple(others) for name, others in out.items()}


_NICKNAMES = _index(NICKNAME_GROUPS)
_SPELLINGS = _index(SPELLING_GROUPS)


def name_alternatives(given: str) -> tuple[str, ...]:
    """Every nickname or formal form recorded for ``given`` (case-insensitive)."""
    return _NICKNAMES.get(given.lower(), ())


def nickname_for(rng: random.Random, given: str) -> str | None:
    """A nickname (or the formal name, for a short form), or ``None`` when there is none."""
    options = _NICKNAMES.get(given.lower())
    return rng.choice(options) if options else None


def spelling_variant(rng: random.Random, given: str) -> str | None:
    """Another spelling of ``given``, or ``None`` when it has none."""
    options = _SPELLINGS.get(given.lower())
    return rng.choice(options) if options else None


# -- typing errors --------------------------------------------------------------

_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def _keyboard_neighbours() -> dict[str, str]:
    """Each letter's neighbours on a UK QWERTY keyboard (same row, and the rows above and below)."""
    out: dict[str, str] = {}
    for r, row in enumerate(_KEYBOARD_ROWS):
        for c, ch in enumerate(row):
            near = [row[i] for i in (c - 1, c + 1) if 0 <= i < len(row)]
            for other in (r - 1, r + 1):
                if 0 <= other < len(_KEYBOARD_ROWS):
                    near += [_KEYBOARD_ROWS[other][i] for i in (c, c + 1) if i < len(_KEYBOARD_ROWS[other])]
            out[ch] = "".join(near)
    return out


_NEIGHBOURS = _keyboard_neighbours()


def _match_case(new: str, like: str) -> str:
    return new.upper() if like.isupper() else new


def typo(rng: random.Random, text: str) -> str:
    """``text`` with one typing error; the first letter is kept nine times in ten.

    The error is an insertion (a doubled letter or a neighbouring key), a
    deletion, a substitution by a neighbouring key, or a transposition of two
    adjacent letters. The result always differs from ``text`` and is never empty.
    """
    if not text:
        return text
    for _ in range(10):
        low = 0 if len(text) == 1 or rng.random() < 0.1 else 1
        pos = rng.randrange(low, len(text))
        ch = text[pos]
        kind = rng.choice(("insert", "delete", "substitute", "transpose"))
        if kind == "delete" and len(text) > 2:
            out = text[:pos] + text[pos + 1 :]
        elif kind == "transpose" and pos + 1 < len(text) and text[pos] != text[pos + 1]:
            out = text[:pos] + text[pos + 1] + text[pos] + text[pos + 2 :]
        elif kind == "insert":
            extra = ch if rng.random() < 0.5 or ch.lower() not in _NEIGHBOURS else None
            if extra is None:
                extra = _match_case(rng.choice(_NEIGHBOURS[ch.lower()]), ch)
            out = text[: pos + 1] + extra + text[pos + 1 :]
        elif ch.lower() in _NEIGHBOURS:
            out = text[:pos] + _match_case(rng.choice(_NEIGHBOURS[ch.lower()]), ch) + text[pos + 1 :]
        else:
            continue
        if out != text and out.strip():
            return out
    return text + text[-1]


# -- surnames -------------------------------------------------------------------


def partial_double_barrel(rng: random.Random, surname: str) -> str | None:
    """``Smith-Jones`` as ``Smith``, ``Jones``, ``Smith Jones`` or ``SmithJones``.

    ``None`` when the surname is not hyphenated.
    """
    if "-" not in surname:
        return None
    first, _, second = surname.partition("-")
    if not first or not second:
        return None
    return rng.choices(
        (first, second, f"{first} {second}", f"{first}{second}"), weights=(0.4, 0.35, 0.15, 0.1)
    )[0]


def strip_punctuation(rng: random.Random, surname: str) -> str | None:
    """``O'Neill`` as ``ONeill`` or ``O Neill``; ``None`` when there is no apostrophe."""
    if "'" not in surname:
        return None
    return surname.replace("'", rng.choice(("", " ")))


# -- dates ----------------------------------------------------------------------


def swap_day_month(d: date) -> date | None:
    """The date with day and month swapped, or ``None`` when that is invalid or the same."""
    if d.day > 12 or d.day == d.month:
        return None
    return date(d.year, d.day, d.month)


def shift_year(rng: random.Random, d: date, latest: date) -> date:
    """``d`` one year earlier or later (later only if not after ``latest``)."""
    step = rng.choice((-1, 1))
    for delta in (step, -step):
        year = d.year + delta
        try:
            moved = d.replace(year=year)
        except ValueError:
            moved = date(year, 2, 28)
        if moved <= latest:
            return moved
    return d.replace(year=d.year - 1) if not (d.month == 2 and d.day == 29) else date(d.year - 1, 2, 28)


def dob_day_typo(rng: random.Random, d: date, latest: date) -> date:
    """``d`` with a mistyped day: its two digits reversed when that is valid, else out by one."""
    if d.day >= 10 and d.day % 10 != 0 and d.day % 11 != 0:
        reversed_day = int(str(d.day)[::-1])
        try:
            candidate = d.replace(day=reversed_day)
        except ValueError:
            candidate = None
        if candidate is not None and candidate <= latest and rng.random() < 0.5:
            return candidate
    step = timedelta(days=rng.choice((-1, 1)))
    moved = d + step
    if moved.month != d.month or moved > latest:
        moved = d - step
    return moved


# -- addresses ------------------------------------------------------------------

_STREET_ABBREVIATIONS = {
    "Road": "Rd",
    "Street": "St",
    "Lane": "Ln",
    "Avenue": "Ave",
    "Close": "Cl",
    "Drive": "Dr",
    "Crescent": "Cres",
    "Grove": "Gr",
    "Gardens": "Gdns",
    "Place": "Pl",
    "Terrace": "Terr",
    "Court": "Ct",
}


def abbreviate_street(text: str) -> str | None:
    """``12 Hall Road`` as ``12 Hall Rd``; ``None`` when no street type can be shortened."""
    words = text.split(" ")
    for i, word in enumerate(words):
        bare = word.rstrip(",")
        if bare in _STREET_ABBREVIATIONS:
            words[i] = word.replace(bare, _STREET_ABBREVIATIONS[bare])
            return " ".join(words)
    return None


_POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def postcode_typo(rng: random.Random, postcode: str) -> str:
    """One character of the inward code changed (``G0 8JG`` -> ``G0 8JQ``)."""
    outward, _, inward = postcode.partition(" ")
    if len(inward) != 3:
        return typo(rng, postcode)
    pos = rng.randrange(3)
    if pos == 0:
        new = str((int(inward[0]) + rng.choice((1, 9))) % 10) if inward[0].isdigit() else inward[0]
    else:
        new = rng.choice([c for c in _POSTCODE_LETTERS if c != inward[pos]])
    return f"{outward} {inward[:pos]}{new}{inward[pos + 1 :]}"


def postcode_format_variant(rng: random.Random, postcode: str) -> str:
    """The same postcode without its space, in lower case, or both."""
    choice = rng.randrange(3)
    if choice == 0:
        return postcode.replace(" ", "")
    if choice == 1:
        return postcode.lower()
    return postcode.replace(" ", "").lower()
