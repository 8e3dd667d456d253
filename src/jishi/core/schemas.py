"""Base classes for API request bodies."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
from pydantic.json_schema import SkipJsonSchema

from jishi.core.validation import BilingualValueError


def contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(contains_nul(v) for v in value)
    return False


def nonblank(value: str) -> str:
    """Strip surrounding space and refuse what is left empty (use with ``AfterValidator``)."""
    value = value.strip()
    if not value:
        raise BilingualValueError("blank", "must not be blank", "不能为空")
    return value


# What ``nonblank`` and ``StrictBody`` enforce, declared: a character that is neither space nor NUL.
NON_BLANK_PATTERN = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
NonBlank = Annotated[str, Field(json_schema_extra={"pattern": NON_BLANK_PATTERN}), AfterValidator(nonblank)]


class StrictBody(BaseModel):
    """A request body: unknown fields are refused rather than silently dropped,
    and no text may carry a NUL character (PostgreSQL cannot store one)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _reject_nul(cls, value: Any) -> Any:
        if contains_nul(value):
            raise BilingualValueError("nul_character", "must not contain NUL characters", "不能包含空字符。")
        return value

    def changes(self) -> dict[str, Any]:
        """The fields the client sent, for a partial update (PATCH).

        Only the top level is partial: a value that was sent is dumped whole, with the
        defaults of its own model filled in, exactly as a create body stores it.
        (``model_dump(exclude_unset=True)`` also drops the unset fields *inside* a
        nested value, so a list of objects would be stored without their defaults.)"""
        return self.model_dump(include=set(self.model_fields_set))


class ProblemFieldError(BaseModel):
    field: str
    code: str
    message: str


class ProblemDetails(BaseModel):
    """An RFC 9457 problem: every error answer of the API has this shape. ``errors`` lists
    each refused field of a 422; some codes add members of their own (RFC 9457 §3.2)."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    code: str
    detail: str
    instance: str
    errors: list[ProblemFieldError] | SkipJsonSchema[None] = None
    request_id: str | SkipJsonSchema[None] = None


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ProblemDetails, "description": "A problem (application/problem+json)"},
}
