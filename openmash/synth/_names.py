"""Fast sampling of Faker's ``en_GB`` name lists.

Faker's ``last_name()`` re-derives cumulative weights on every call, which
dominates the run time of a large area. This draws from the same ``en_GB``
lists and weights, using the Faker instance's own seeded ``random``, so the
names are still Faker's and the output is still deterministic.
"""

from __future__ import annotations

import random
from itertools import accumulate

from faker import Faker
from faker.providers.person.en_GB import Provider as _EnGbPerson


class Names:
    def __init__(self, fake: Faker) -> None:
        self._random: random.Random = fake.random
        weighted: dict[str, float] = dict(_EnGbPerson.last_names)
        self._surnames: list[str] = list(weighted)
        self._surname_weights: list[float] = list(accumulate(weighted.values()))
        self._female: tuple[str, ...] = tuple(_EnGbPerson.first_names_female)
        self._male: tuple[str, ...] = tuple(_EnGbPerson.first_names_male)
        self._any: tuple[str, ...] = tuple(_EnGbPerson.first_names)

    def surname(self) -> str:
        return self._random.choices(self._surnames, cum_weights=self._surname_weights)[0]

    def female(self) -> str:
        return self._random.choice(self._female)

    def male(self) -> str:
        return self._random.choice(self._male)

    def any(self) -> str:
        return self._random.choice(self._any)
