"""Turn Pydantic validation errors into field errors in both languages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jishi.core.errors import AppError, FieldError

_ZH_MESSAGES: dict[str, str] = {
    "missing": "必填字段。",
    "extra_forbidden": "不允许的字段。",
    "string_too_long": "长度不能超过 {max_length} 个字符。",
    "string_too_short": "长度不能少于 {min_length} 个字符。",
    "too_long": "最多 {max_length} 项。",
    "too_short": "至少 {min_length} 项。",
    "string_type": "应为字符串。",
    "int_type": "应为整数。",
    "int_parsing": "应为整数。",
    "int_from_float": "应为整数。",
    "bool_type": "应为布尔值。",
    "bool_parsing": "应为布尔值。",
    "float_type": "应为数字。",
    "float_parsing": "应为数字。",
    "list_type": "应为数组。",
    "dict_type": "应为对象。",
    "model_type": "应为对象。",
    "model_attributes_type": "应为对象。",
    "greater_than": "必须大于 {gt}。",
    "greater_than_equal": "必须大于或等于 {ge}。",
    "less_than": "必须小于 {lt}。",
    "less_than_equal": "必须小于或等于 {le}。",
    "literal_error": "取值必须是 {expected} 之一。",
    "enum": "取值必须是 {expected} 之一。",
    "string_pattern_mismatch": "格式不正确。",
    "json_invalid": "不是有效的 JSON。",
    "json_type": "不是有效的 JSON。",
    "value_error": "取值无效：{error}",
    "assertion_error": "取值无效。",
    "uuid_parsing": "格式不正确。",
    "datetime_parsing": "日期时间格式不正确。",
    "datetime_type": "日期时间格式不正确。",
    "date_parsing": "日期格式不正确。",
}


def field_path(loc: Sequence[Any]) -> str:
    """``("body", "skus", 0, "price_fen")`` → ``"skus[0].price_fen"``; the origin is dropped."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "body"


def _zh_message(error: dict[str, Any]) -> str:
    template = _ZH_MESSAGES.get(error["type"])
    if template is None:
        return "取值无效。"
    ctx = {k: str(v) for k, v in (error.get("ctx") or {}).items()}
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return template.split("{")[0].rstrip("：:") + "。"


def _en_message(error: dict[str, Any]) -> str:
    message = str(error.get("msg", "Invalid value."))
    return message.removeprefix("Value error, ")


def validation_app_error(errors: Sequence[dict[str, Any]]) -> AppError:
    field_errors = []
    codes = set()
    for error in errors:
        code = str(error["type"])
        codes.add(code)
        if code.startswith("value_error") and error.get("ctx", {}).get("error") is not None:
            ctx_error = error["ctx"]["error"]
            zh = getattr(ctx_error, "zh", None)
            if isinstance(zh, str):
                field_errors.append(
                    FieldError(
                        field_path(error["loc"]), getattr(ctx_error, "code", code), zh, _en_message(error)
                    )
                )
                continue
        path = "body" if code in ("json_invalid", "json_type") else field_path(error["loc"])
        field_errors.append(FieldError(path, code, _zh_message(error), _en_message(error)))
    main = "malformed_json" if codes and codes <= {"json_invalid", "json_type"} else "validation_error"
    return AppError(main, field_errors=field_errors)


class BilingualValueError(ValueError):
    """A ``ValueError`` raised by a validator that carries its Chinese message too."""

    def __init__(self, code: str, en: str, zh: str) -> None:
        super().__init__(en)
        self.code = code
        self.zh = zh
