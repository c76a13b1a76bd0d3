"""The `llm` suggester's answers: the JSON schema the prompt asks for, and a strict check of every answer.

The prompt shows the model :data:`ANSWER_SCHEMA` and asks for JSON only. An answer counts only when it is
exactly that: a chat completion with a first choice whose message content is one JSON object (optionally inside
a single Markdown code fence, which local models add even when told not to) matching the schema, every code an
id the prompt offered. Anything else — HTML, prose, another shape, an unknown code, no choices, an answer cut
short — is an :class:`~qualcode.autocode.llm_http.EndpointFailure` for that unit: nothing is suggested from it
and it is never cached.

The schema is checked by :func:`problems`, which reads the small part of JSON Schema used here (type, required,
properties, additionalProperties, items, minimum, maximum, minLength): the schema stays the one source that both
the prompt and the check use, without a dependency for three fields.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from qualcode.autocode.llm_http import EndpointFailure

ANSWER_SCHEMA: dict = {
    "type": "object",
    "required": ["codes"],
    "additionalProperties": False,
    "properties": {
        "codes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["code", "rationale"],
                "additionalProperties": False,
                "properties": {
                    "code": {"type": "string", "minLength": 1},
                    "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                    "rationale": {"type": "string"},
                },
            },
        },
    },
}
_TYPES = {"object": dict, "array": list, "string": str}
_FENCE = re.compile(r"\A\s*```[A-Za-z]*\s*\n(.*?)\n?```\s*\Z", re.DOTALL)


@dataclass(frozen=True)
class Pick:
    """One code the model applied to a passage, with its confidence (None when not given) and its reason."""

    code: str
    rationale: str
    confidence: float | None = None


@dataclass(frozen=True)
class Answer:
    """The model's whole answer for one passage: the codes it applied (none is a valid answer)."""

    picks: tuple[Pick, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        """The ids of the codes applied, in the model's order."""
        return tuple(p.code for p in self.picks)


def problems(value: object, schema: dict, where: str = "answer") -> list[str]:
    """Every way ``value`` breaks ``schema`` (the subset of JSON Schema described above), as ``place: what``."""
    kind = schema.get("type")
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return [f"{where}: expected a number, got {_shown(value)}"]
        found = []
        if "minimum" in schema and value < schema["minimum"]:
            found.append(f"{where}: {value} is below {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            found.append(f"{where}: {value} is above {schema['maximum']}")
        return found
    if kind in _TYPES and not isinstance(value, _TYPES[kind]):
        return [f"{where}: expected {'an' if kind[0] in 'aeiou' else 'a'} {kind}, got {_shown(value)}"]
    found = []
    if kind == "string" and len(value.strip()) < schema.get("minLength", 0):
        found.append(f"{where}: is empty")
    if kind == "array" and "items" in schema:
        for i, item in enumerate(value):
            found += problems(item, schema["items"], f"{where}[{i}]")
    if kind == "object":
        properties = schema.get("properties", {})
        found += [f"{where}: {name!r} is missing" for name in schema.get("required", ()) if name not in value]
        if schema.get("additionalProperties", True) is False:
            found += [f"{where}: {name!r} is not asked for" for name in value if name not in properties]
        for name, sub in properties.items():
            if name in value:
                found += problems(value[name], sub, f"{where}.{name}")
    return found


def _shown(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:40] + "…"


def completion_content(reply: object) -> str:
    """The text of the first choice of a chat completion. Raises EndpointFailure when ``reply`` is not a chat
    completion, has no choices, or was cut short (``finish_reason`` ``length``)."""
    if not isinstance(reply, dict) or "choices" not in reply:
        raise EndpointFailure(f"the endpoint's answer is not a chat completion (no 'choices'): {_shown(reply)}")
    choices = reply["choices"]
    if not isinstance(choices, list) or not choices:
        raise EndpointFailure("the endpoint's answer has no choices: the model gave no answer")
    first = choices[0]
    message = first.get("message") if isinstance(first, dict) else None
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, str):
        raise EndpointFailure("the endpoint's answer has no message content in its first choice")
    if first.get("finish_reason") == "length":
        raise EndpointFailure("the model's answer was cut short (finish_reason length): raise the server's "
                              "token limit")
    return content


def parse_answer(content: str, offered: Sequence[str]) -> Answer:
    """The codes in a model's answer ``content``, checked against :data:`ANSWER_SCHEMA` and ``offered`` (the ids
    the prompt listed; matched ignoring case). Raises EndpointFailure on anything else, naming what was wrong."""
    fenced = _FENCE.match(content)
    text = fenced.group(1) if fenced else content
    try:
        data = json.loads(text)
    except ValueError:
        raise EndpointFailure(f"the model's answer is not JSON: {_shown(' '.join(content.split()))}") from None
    found = problems(data, ANSWER_SCHEMA)
    if found:
        more = f" (and {len(found) - 2} more)" if len(found) > 2 else ""
        raise EndpointFailure("the model's answer is not the JSON asked for: " + "; ".join(found[:2]) + more)
    by_name = {k.casefold(): k for k in offered}
    unknown = [item["code"] for item in data["codes"] if item["code"].strip().casefold() not in by_name]
    if unknown:
        raise EndpointFailure(f"the model answered codes the prompt did not offer: {', '.join(map(repr, unknown))}; "
                              "nothing of this answer is used")
    picks: dict[str, Pick] = {}
    for item in data["codes"]:
        code = by_name[item["code"].strip().casefold()]
        confidence = item.get("confidence")
        picks.setdefault(code, Pick(code, " ".join(item["rationale"].split()),
                                    None if confidence is None else float(confidence)))
    return Answer(tuple(picks.values()))
