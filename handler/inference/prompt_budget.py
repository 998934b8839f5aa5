"""How many tokens one model call may send, and a bound on how many it does send.

No tokenizer runs here (Claude's is not published; Bedrock's CountTokens would be one more network
round trip per request), so a prompt is measured by an upper bound, not a guess: one token per
UTF-8 byte. A tokenizer whose every token stands for at least one byte of text (byte-level BPE, or
BPE with byte fallback) never makes more tokens than the text has bytes. Over-counting is the safe
side: English (1 byte a letter, about 4 letters a token) is counted about 4 times over, Hangul
(3 bytes a syllable, one or two tokens) 1.5 to 3 times, an emoji (4 bytes) at most right; a budget
is therefore trimmed too early, never sent over.

A call's input is more than its prompt: the system prompt, the user message, the output tool's
specification (name, description, JSON schema), and the tool-use system prompt the model's
provider adds when tools are offered, a few hundred tokens by Anthropic's table
(https://docs.anthropic.com/en/docs/tool-use-pricing-and-tokens), kept back as TOOL_USE_RESERVE.
"""

from __future__ import annotations

import functools
import json

from pydantic import BaseModel

from handler.inference.provider import Task
from handler.settings import Settings

# The tool-use system prompt (281-340 tokens in Anthropic's table for forced tool choice) and the
# message framing around system, user message and tool spec, with room to spare.
TOOL_USE_RESERVE = 1000


class PromptOverBudget(RuntimeError):
    """A prompt was built past its task's budget: the trimming that should prevent it has a bug."""


def tokens(text: str) -> int:
    """At least as many tokens as `text` takes (its UTF-8 length: see the module's docstring)."""
    return len(text.encode("utf-8"))


# A function of the output model alone (its JSON schema): a pure cache, nothing of the environment.
@functools.cache
def _tool_spec_tokens(output_model: type[BaseModel]) -> int:
    """The output tool as Strands offers it (imported here, so routes without a model never load Strands)."""
    from strands.tools.structured_output import convert_pydantic_to_tool_spec

    return tokens(json.dumps(convert_pydantic_to_tool_spec(output_model), ensure_ascii=False))


def call_tokens(system_prompt: str, output_model: type[BaseModel], prompt: str) -> int:
    """The input tokens of one structured call, bounded from above."""
    return tokens(system_prompt) + tokens(prompt) + _tool_spec_tokens(output_model) + TOOL_USE_RESERVE


def budget(settings: Settings, task: Task) -> int:
    """The most input tokens one call of `task` may send (PROMPT_TOKENS_<TASK>)."""
    return getattr(settings, f"prompt_tokens_{task}")


def check(settings: Settings, task: Task, system_prompt: str, output_model: type[BaseModel], prompt: str) -> None:
    """Refuse to send a prompt over budget: the last wall behind the trimming in handler.logic."""
    used = call_tokens(system_prompt, output_model, prompt)
    if used > budget(settings, task):
        raise PromptOverBudget(f"{task} prompt of {used} tokens over its budget of {budget(settings, task)}")
