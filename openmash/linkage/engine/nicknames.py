"""Common English given names and their usual short forms.

Each group lists a formal name first, then its common diminutives and spellings. Groups that
share a name are merged (``alex`` joins Alexander and Alexandra; ``chris`` joins Christopher and
Christine), so a nickname that belongs to two formal names gives one canonical form for all of
them: the nickname level then says "could be the same name", and the sex comparison still tells
Alexander from Alexandra. The canonical form is the first name of the earliest group in a merged
set. The table is deliberately conservative: only pairings that a British records officer would
accept as "the same given name" belong here.
"""

from __future__ import annotations

from typing import Final

_GROUPS: Final[tuple[tuple[str, ...], ...]] = (
    ("william", "bill", "billy", "will", "willie", "willy", "liam", "wills"),
    (
        "elizabeth",
        "elisabeth",
        "liz",
        "lizzie",
        "lizzy",
        "beth",
        "betty",
        "bette",
        "bess",
        "bessie",
        "betsy",
        "eliza",
        "libby",
        "elsie",
        "lisa",
        "lise",
        "liza",
        "elspeth",
        "isobel",
        "isabel",
        "isabella",
        "izzy",
        "bella",
    ),
    ("robert", "rob", "robbie", "robby", "bob", "bobby", "bert", "bertie", "rab", "rabbie"),
    ("richard", "rich", "richie", "rick", "ricky", "dick", "dickie"),
    ("james", "jim", "jimmy", "jimmie", "jamie", "jas", "jem"),
    ("john", "jon", "johnny", "jonny", "jack", "jock", "ian", "iain", "sean", "shaun", "shawn", "evan"),
    ("jonathan", "jonty"),
    ("thomas", "tom", "tommy", "tam"),
    ("michael", "mike", "mick", "mickey", "micky", "mikey"),
    ("christopher", "chris", "kit", "topher", "christy"),
    (
        "christine",
        "christina",
        "chris",
        "chrissie",
        "chrissy",
        "tina",
        "kirsty",
        "kirstie",
        "kirsten",
        "christie",
    ),
    ("alexander", "alex", "alec", "alick", "sandy", "xander", "alasdair", "alastair", "alistair"),
    ("alexandra", "alex", "alexa", "lexi", "lexie", "sandra", "sandy", "alexis"),
    ("andrew", "andy", "drew", "andie"),
    ("anthony", "antony", "tony", "ant"),
    ("antonia", "toni", "tonia", "tony"),
    ("benjamin", "ben", "benny", "benji"),
    ("charles", "charlie", "chas", "chuck", "chaz"),
    ("charlotte", "charlie", "lottie", "lotte", "char"),
    ("daniel", "dan", "danny"),
    ("danielle", "dani", "danni", "elle"),
    ("david", "dave", "davey", "davy", "dai", "taff"),
    ("edward", "ed", "eddie", "eddy", "ted", "teddy", "ned", "edwin", "edmund"),
    ("frederick", "fred", "freddie", "freddy", "frederic"),
    ("francis", "frank", "frankie", "fran"),
    ("frances", "fran", "frankie", "fanny"),
    ("george", "geordie", "georgie"),
    ("georgina", "georgia", "georgie", "gina"),
    ("gregory", "greg", "gregor"),
    ("harold", "harry", "hal"),
    ("henry", "harry", "hank", "hal", "hen"),
    ("harriet", "hattie"),
    ("joseph", "joe", "joey", "jo", "jos"),
    ("josephine", "jo", "josie", "jojo", "jose"),
    ("joanne", "joanna", "joan", "jo", "joanie"),
    ("jennifer", "jenny", "jen", "jenn", "jenni", "jenna"),
    (
        "katherine",
        "catherine",
        "kathryn",
        "cathryn",
        "kate",
        "katie",
        "katy",
        "kat",
        "kath",
        "kathy",
        "cath",
        "cathy",
        "kay",
        "kitty",
        "katharine",
        "kathleen",
        "caitlin",
        "katrina",
        "catriona",
    ),
    ("kenneth", "ken", "kenny"),
    ("lawrence", "laurence", "larry", "laurie", "lol"),
    ("leonard", "leo", "len", "lenny"),
    (
        "margaret",
        "maggie",
        "meg",
        "peggy",
        "peg",
        "marge",
        "margie",
        "madge",
        "greta",
        "rita",
        "maisie",
        "mags",
        "margot",
    ),
    ("mary", "molly", "polly", "mae", "may", "mamie", "maria", "marie", "moira", "maureen"),
    ("matthew", "matt", "matty", "mattie"),
    ("nicholas", "nick", "nicky", "nico", "nic"),
    ("nicola", "nicole", "nicky", "nikki", "nic", "nichola"),
    ("patrick", "pat", "paddy", "patsy"),
    ("patricia", "pat", "patty", "patsy", "tricia", "trish", "trisha"),
    ("peter", "pete", "petey"),
    ("philip", "phillip", "phil", "pip"),
    ("rebecca", "becky", "becca", "bex", "becki", "beckie"),
    ("ronald", "ron", "ronnie", "ronny"),
    ("samuel", "sam", "sammy", "sammie"),
    ("samantha", "sam", "sammy", "sammie"),
    ("stephen", "steven", "steve", "stevie", "steph"),
    ("stephanie", "steph", "steff", "stef", "stevie"),
    ("susan", "sue", "susie", "suzy", "suzanne", "susanne", "susannah", "suzie"),
    ("terence", "terry", "tel"),
    ("theresa", "teresa", "tess", "tessa", "terri", "terry", "tracy", "tracey"),
    ("timothy", "tim", "timmy"),
    ("victoria", "vicky", "vicki", "vickie", "tori", "vic"),
    ("walter", "wally", "walt"),
    ("abigail", "abby", "abbie", "abi", "gail"),
    ("alfred", "alf", "alfie"),
    ("amanda", "mandy", "manda"),
    ("angela", "angie", "ange"),
    ("barbara", "barb", "babs", "barbie"),
    ("catrina", "trina"),
    ("deborah", "debra", "debbie", "debby", "deb", "debs"),
    ("dorothy", "dot", "dottie", "dolly", "dora"),
    ("eleanor", "elinor", "ellie", "nell", "nellie", "nora", "norah", "ella"),
    ("emily", "emmy", "em", "millie", "milly", "emmie"),
    ("emma", "emmy", "em"),
    ("gerald", "gerard", "gerry", "jerry", "ged"),
    ("geraldine", "gerry", "geri", "jerri"),
    ("gillian", "jillian", "gill", "jill", "gilly"),
    ("jacqueline", "jackie", "jacky", "jacqui", "jaq"),
    ("jessica", "jess", "jessie", "jessy"),
    ("judith", "judy", "jude"),
    ("leslie", "lesley", "les"),
    ("louise", "louisa", "lou", "lulu", "louie"),
    ("lucy", "lucinda", "lucille", "luce"),
    ("madeleine", "madeline", "maddie", "maddy", "madelyn"),
    ("mathilda", "matilda", "tilly", "tillie", "tilda"),
    ("natalie", "natasha", "nat", "tash", "tasha", "natalia"),
    ("oliver", "olly", "ollie", "noll"),
    ("olivia", "liv", "livvy", "livia"),
    ("pamela", "pam", "pammy"),
    ("raymond", "ray"),
    ("rachel", "rach", "rae"),
    ("reginald", "reg", "reggie"),
    ("roger", "rog", "hodge"),
    ("rosemary", "rose", "rosie", "rosa", "rosalind", "rosalyn", "roz"),
    ("sarah", "sara", "sally", "sal", "sadie"),
    ("sophia", "sophie", "sophy", "soph"),
    ("stanley", "stan"),
    ("valerie", "val"),
    ("vincent", "vince", "vinny", "vin"),
    ("zachary", "zach", "zack", "zak"),
    ("ann", "anne", "anna", "annie", "nancy", "nan", "anita", "annette"),
    ("cameron", "cam"),
    ("dominic", "dom", "dommy"),
    ("douglas", "doug", "dougie"),
    ("albert", "al", "albie"),
    ("donald", "don", "donny"),
    ("gordon", "gordie"),
    ("jacob", "jake", "jakob", "jay"),
    ("joshua", "josh"),
    ("kimberley", "kimberly", "kim", "kimmy"),
    ("martin", "marty"),
    ("nathaniel", "nathan", "nat", "nate"),
    ("sebastian", "seb", "bastian"),
    ("simon", "si"),
    ("toby", "tobias"),
    ("jennie", "jenny"),
    ("freya", "freja"),
    ("evelyn", "evie", "eve", "eva"),
    ("gabriel", "gabe", "gabby"),
    ("gabrielle", "gabriella", "gabby", "gabi"),
)


def _build_table() -> dict[str, str]:
    parent: dict[str, str] = {}

    def find(name: str) -> str:
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    order: dict[str, int] = {}
    for group in _GROUPS:
        for name in group:
            if name not in parent:
                parent[name] = name
                order[name] = len(order)
        root = find(group[0])
        for name in group[1:]:
            other = find(name)
            if other != root:
                # Keep the name seen first as the root so the canonical form is stable.
                if order[other] < order[root]:
                    root, other = other, root
                parent[other] = root
    return {name: find(name) for name in parent}


#: Maps every listed given name (lower case, ASCII) to its canonical form.
NICKNAMES: Final[dict[str, str]] = _build_table()


def canonical_given_name(name: str) -> str:
    """The canonical form of a normalised given name: itself when it is not in the table."""
    return NICKNAMES.get(name, name)
