"""Fixed families for the genogram tests."""

from __future__ import annotations

from datetime import date

from openmash.genogram.model import Family, GenoHousehold, GenoPerson, GenoRelationship

AS_OF = date(2026, 3, 1)


def blended_family() -> Family:
    """Three generations, fifteen people: Jayden (8) is the child referred. His parents Kerry and Dean
    are divorced; Kerry now lives with Lee, who has a son Tyler from his separated relationship with
    Shannon; Kerry and Lee have a baby, Mia. Grandparents on both sides (Brian has died); Dean lives
    with his parents. Maureen is Jayden's childminder and Sam a significant adult whose sex and age are
    not known."""
    people = [
        GenoPerson("p-ronald", "Ronald Whitmore", "male", date(1958, 4, 12)),
        GenoPerson("p-patricia", "Patricia Whitmore", "female", date(1960, 9, 3)),
        GenoPerson("p-brian", "Brian Hollis", "male", date(1950, 1, 20), date(2019, 11, 2)),
        GenoPerson("p-sandra", "Sandra Hollis", "female", date(1957, 6, 30)),
        GenoPerson("p-leanne", "Leanne Whitmore", "female", date(1986, 2, 11)),
        GenoPerson("p-dean", "Dean Whitmore", "male", date(1989, 7, 15)),
        GenoPerson("p-kerry", "Kerry Whitmore", "female", date(1991, 5, 22)),
        GenoPerson("p-lee", "Lee Parker", "male", date(1995, 8, 9)),
        GenoPerson("p-shannon", "Shannon Price", "female", date(1996, 12, 1)),
        GenoPerson("p-chloe", "Chloe Whitmore", "female", date(2014, 10, 3)),
        GenoPerson("p-jayden", "Jayden Whitmore", "male", date(2017, 6, 18), is_subject=True),
        GenoPerson("p-tyler", "Tyler Parker", "male", date(2019, 4, 10)),
        GenoPerson("p-mia", "Mia Parker", "female", date(2024, 11, 25)),
        GenoPerson("p-maureen", "Maureen O'Neill", "female", date(1971, 2, 14)),
        GenoPerson("p-sam", "Sam Reid", "unknown"),
    ]
    r = GenoRelationship
    relationships = [
        r("spouse", "p-ronald", "p-patricia", "current"),
        r("spouse", "p-brian", "p-sandra", "widowed"),
        r("parent", "p-ronald", "p-leanne"),
        r("parent", "p-patricia", "p-leanne"),
        r("parent", "p-ronald", "p-dean"),
        r("parent", "p-patricia", "p-dean"),
        r("parent", "p-brian", "p-kerry"),
        r("parent", "p-sandra", "p-kerry"),
        r("spouse", "p-dean", "p-kerry", "divorced"),
        r("partner", "p-kerry", "p-lee", "current"),
        r("partner", "p-lee", "p-shannon", "separated"),
        r("parent", "p-dean", "p-chloe"),
        r("parent", "p-kerry", "p-chloe"),
        r("parent", "p-dean", "p-jayden"),
        r("parent", "p-kerry", "p-jayden"),
        r("parent", "p-kerry", "p-mia"),
        r("parent", "p-lee", "p-mia"),
        r("parent", "p-lee", "p-tyler"),
        r("parent", "p-shannon", "p-tyler"),
        r("step_parent", "p-lee", "p-jayden"),
        r("step_parent", "p-lee", "p-chloe"),
        r("sibling", "p-chloe", "p-jayden"),
        r("half_sibling", "p-mia", "p-jayden"),
        r("grandparent", "p-sandra", "p-jayden"),
        r("carer", "p-maureen", "p-jayden", "childminder"),
        r("other_significant_adult", "p-sam", "p-jayden"),
    ]
    households = [
        GenoHousehold("h-elm", ("p-kerry", "p-lee", "p-chloe", "p-jayden", "p-mia"), "14 Elm Road"),
        GenoHousehold("h-oak", ("p-ronald", "p-patricia", "p-dean"), "3 Oak Close"),
    ]
    return Family(people, relationships, households)


def random_family(seed: int, *, couples: int = 2) -> Family:
    """A plausible random family for robustness tests: grandparent couples, their children, those
    children's partners (one after another), grandchildren with one or two known parents, step-parents,
    carers and households. The same seed always gives the same family."""
    import random

    rng = random.Random(seed)
    people: list[GenoPerson] = []
    rels: list[GenoRelationship] = []
    households: list[GenoHousehold] = []
    first_names = {
        "male": ["Alan", "Ben", "Carl", "Dev", "Ed", "Femi", "Gary", "Hassan", "Ian", "Jack", "Kyle", "Liam"],
        "female": ["Amy", "Bea", "Cara", "Dina", "Ella", "Fatima", "Gemma", "Holly", "Isla", "Jade", "Kate"],
        "other": ["Alex", "Charlie", "Robin"],
        "unknown": ["Unknown", "Not known"],
    }
    surnames = [
        "Smith",
        "Khan",
        "O'Brien",
        "Nowak",
        "Evans",
        "Adeyemi",
        "Taylor",
        "Murphy",
        "Patel",
        "Hughes",
    ]
    counter = 0

    def person(sex: str, born: int, surname: str, **kw: object) -> str:
        nonlocal counter
        counter += 1
        pid = f"r{seed}-{counter:03d}"
        name = f"{rng.choice(first_names[sex])} {surname}"
        dob = date(born, rng.randint(1, 12), rng.randint(1, 28)) if rng.random() > 0.08 else None
        dod = None
        if born < 1965 and rng.random() < 0.25:
            dod = date(rng.randint(2005, 2025), rng.randint(1, 12), rng.randint(1, 28))
        people.append(GenoPerson(pid, name, sex, dob, dod, **kw))  # type: ignore[arg-type]
        return pid

    def sex() -> str:
        roll = rng.random()
        return "male" if roll < 0.47 else "female" if roll < 0.94 else rng.choice(["other", "unknown"])

    grandchildren: list[str] = []
    adults: list[str] = []
    for _ in range(couples):
        surname = rng.choice(surnames)
        gf = person("male", rng.randint(1945, 1965), surname)
        gm = person("female", rng.randint(1948, 1967), surname)
        rels.append(GenoRelationship("spouse", gf, gm, rng.choice(["current", "divorced", "separated", ""])))
        for _child in range(rng.randint(1, 3)):
            child = person(sex(), rng.randint(1980, 1995), surname)
            adults.append(child)
            rels += [GenoRelationship("parent", gf, child), GenoRelationship("parent", gm, child)]
            for _p in range(rng.randint(0, 2)):
                partner = person(
                    rng.choice(["male", "female"]), rng.randint(1978, 1997), rng.choice(surnames)
                )
                kind = rng.choice(["partner", "spouse", "ex_partner"])
                status = {"partner": ["current", "separated"], "spouse": ["current", "divorced"]}.get(
                    kind, [""]
                )
                rels.append(GenoRelationship(kind, child, partner, rng.choice(status)))  # type: ignore[arg-type]
                kids = []
                for _k in range(rng.randint(0, 3)):
                    kid = person(sex(), rng.randint(2008, 2025), surname)
                    kids.append(kid)
                    grandchildren.append(kid)
                    rels.append(GenoRelationship("parent", child, kid))
                    if rng.random() < 0.8:
                        rels.append(GenoRelationship("parent", partner, kid))
                if kids and rng.random() < 0.5:
                    households.append(
                        GenoHousehold(f"h{seed}-{len(households)}", (child, partner, *kids), "Home")
                    )
            if rng.random() < 0.3:
                kid = person(sex(), rng.randint(2008, 2025), surname)
                grandchildren.append(kid)
                rels.append(GenoRelationship("parent", child, kid))
    if grandchildren:
        subject = rng.choice(grandchildren)
        people = [
            GenoPerson(p.id, p.name, p.sex, p.date_of_birth, p.date_of_death, is_subject=p.id == subject)
            for p in people
        ]
        carer = person("female", rng.randint(1960, 1990), "Carer")
        rels.append(GenoRelationship("carer", carer, subject))
    if len(grandchildren) > 2 and rng.random() < 0.5:
        a, b = rng.sample(grandchildren, 2)
        rels.append(GenoRelationship("sibling", a, b))
    return Family(people, rels, households)
