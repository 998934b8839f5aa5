"""How the offline model writes an image prompt: the diary's first lines, framed as a scene."""

from __future__ import annotations

import re
from typing import Any


def answer(prompt: str) -> dict[str, Any]:
    text = " ".join(re.search(r"<diary>\n(.*)\n</diary>", prompt, re.S).group(1).split())
    return {"prompt": f"A soft watercolor illustration of a diary scene: {text}"[:1000]}
