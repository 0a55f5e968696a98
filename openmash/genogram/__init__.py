"""Genograms: a family's people, relationships and households drawn in standard genogram notation.

Pure Python (no Django). ``render_svg`` draws the picture, ``relationship_list`` gives the same
relationships as sentences for screen readers, and ``layout`` exposes the positions for tests.
"""

from openmash.genogram.layout import Layout, layout
from openmash.genogram.model import (
    Family,
    FamilyError,
    GenoHousehold,
    GenoPerson,
    GenoRelationship,
)
from openmash.genogram.sentences import relationship_list
from openmash.genogram.svg import render_svg

__all__ = [
    "Family",
    "FamilyError",
    "GenoHousehold",
    "GenoPerson",
    "GenoRelationship",
    "Layout",
    "layout",
    "relationship_list",
    "render_svg",
]
