"""Text for a terminal."""

import re

_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: object) -> str:
    """``text`` safe for a terminal: control characters (escape sequences, bidirectional
    overrides) removed, tabs and line breaks as spaces. For text that comes from reports or file
    names."""
    return _UNPRINTABLE.sub(lambda m: " " if m.group() in "\t\n\r" else "", str(text))
