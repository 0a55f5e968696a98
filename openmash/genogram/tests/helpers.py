"""Reading a rendered genogram back for structural checks."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

SVG_NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to prove it is well-formed


def tag(element: ET.Element) -> str:
    return element.tag.removeprefix(SVG_NS)


def with_attr(root: ET.Element, name: str, value: str | None = None) -> list[ET.Element]:
    return [e for e in root.iter() if name in e.attrib and (value is None or e.attrib[name] == value)]


def relationship_tokens(root: ET.Element) -> set[str]:
    tokens: set[str] = set()
    for element in with_attr(root, "data-relationship"):
        tokens.update(element.attrib["data-relationship"].split())
    return tokens


def polygon_contains(polygon: tuple[tuple[float, float], ...], x: float, y: float) -> bool:
    """Even-odd rule point-in-polygon."""
    inside = False
    count = len(polygon)
    for i in range(count):
        x1, y1 = polygon[i]
        x2, y2 = polygon[(i + 1) % count]
        if (y1 > y) != (y2 > y):
            crossing = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x < crossing:
                inside = not inside
    return inside


def path_numbers(d: str) -> list[float]:
    return [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", d)]
