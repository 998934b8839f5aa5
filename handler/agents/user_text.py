"""User text inside a prompt's tags (<records>, <diary>, <question>, <request>...), which it must
never be able to end or open: every prompt builder passes user text through `quoted`."""

from __future__ import annotations

import re

# A '<' that could begin a tag: one followed by a letter, '!' or '?', or by '/' (spaces allowed, for
# a reader as lenient as a model). It becomes "&lt;"; every other character stays as written, so the
# emoticons of everyday notes (<3, >_<) and "a < b" reach the model unchanged.
_TAG_START = re.compile(r"<(?=[!?]|[^\W\d_]|\s*/)")


def quoted(text: str) -> str:
    return _TAG_START.sub("&lt;", text)
