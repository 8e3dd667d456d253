"""Errors as RFC 9457 problem details, with stable codes and zh-CN/en messages.

Services raise ``AppError("code", **params)``; the HTTP layer renders it as
``application/problem+json`` in the language the request asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PROBLEM_JSON = "application/problem+json"
DEFAULT_LOCALE = "zh-CN"
LOCALES = ("zh-CN", "en")


@dataclass(frozen=True)
class ErrorKind:
    status: int
    zh: str
    en: str


CATALOG: dict[str, ErrorKind] = {
    "validation_error": ErrorKind(422, "请求内容有误，请检查标出的字段。", "The request has invalid fields."),
    "malformed_json": ErrorKind(422, "请求体不是有效的 JSON。", "The request body is not valid JSON."),
    "invalid_cursor": ErrorKind(422, "分页游标无效。", "The pagination cursor is invalid."),
    "not_found": ErrorKind(404, "未找到该资源。", "The resource was not found."),
    "route_not_found": ErrorKind(404, "接口不存在。", "No such endpoint."),
    "method_not_allowed": ErrorKind(405, "不支持该请求方法。", "Method not allowed."),
    "not_authenticated": ErrorKind(401, "请先登录。", "Please log in first."),
    "invalid_credentials": ErrorKind(401, "账号或密码错误。", "Wrong login or password."),
    "invalid_token": ErrorKind(
        401, "登录凭证无效或已过期，请重新登录。", "The token is invalid or has expired; please log in again."
    ),
    "csrf_failed": ErrorKind(403, "请求缺少有效的 CSRF 令牌。", "Missing or invalid CSRF token."),
    "forbidden": ErrorKind(403, "没有权限执行此操作。", "You are not allowed to do this."),
    "account_disabled": ErrorKind(403, "账号已停用。", "This account is disabled."),
    "too_many_attempts": ErrorKind(
        429,
        "尝试次数过多，请 {retry_after} 秒后再试。",
        "Too many attempts; try again in {retry_after} seconds.",
    ),
    "payload_too_large": ErrorKind(413, "请求体过大。", "The request body is too large."),
    "email_taken": ErrorKind(409, "该邮箱已注册。", "This email is already registered."),
    "weak_password": ErrorKind(422, "密码不符合要求。", "The password does not meet the policy."),
    "shop_name_taken": ErrorKind(409, "店铺名称已被使用。", "This shop name is already taken."),
    "shop_application_exists": ErrorKind(
        409, "您已有一个待审核或已开通的店铺申请。", "You already have a pending or active shop."
    ),
    "shop_not_active": ErrorKind(
        409,
        "店铺当前状态为「{status}」，不能执行此操作。",
        "The shop is {status}; this action is not allowed.",
    ),
    "invalid_state": ErrorKind(
        409, "当前状态「{status}」不允许此操作。", "This action is not allowed in state '{status}'."
    ),
    "already_member": ErrorKind(409, "该用户已是店铺成员。", "This user is already a member of the shop."),
    "invitation_pending": ErrorKind(
        409, "已向该邮箱发出邀请，等待对方回应。", "An invitation to this email is already pending."
    ),
    "invitation_expired": ErrorKind(409, "邀请已过期。", "The invitation has expired."),
    "cannot_remove_owner": ErrorKind(409, "不能移除店主。", "The shop owner cannot be removed."),
    "category_name_taken": ErrorKind(409, "同级已有同名类目。", "A sibling category already has this name."),
    "category_in_use": ErrorKind(
        409,
        "该类目下还有 {count} 个在售商品，请先移走或下架。",
        "{count} products on sale are in this category; move or take them off first.",
    ),
    "category_not_empty": ErrorKind(
        409,
        "类目下还有 {children} 个子类目和 {products} 个商品，不能删除。",
        "The category still has {children} subcategories and {products} products.",
    ),
    "category_not_leaf": ErrorKind(422, "商品只能发布在末级类目下。", "Products belong in a leaf category."),
    "brand_name_taken": ErrorKind(409, "品牌已存在。", "This brand already exists."),
    "invalid_skus": ErrorKind(422, "规格或 SKU 有误，请检查标出的字段。", "The specs or SKUs are invalid."),
    "product_not_publishable": ErrorKind(
        409, "商品还不能上架，请查看原因。", "The product cannot go on sale yet; see why."
    ),
    "unsupported_media_type": ErrorKind(
        422, "仅支持 JPEG、PNG、WebP 格式的图片。", "Only JPEG, PNG and WebP images are accepted."
    ),
    "image_too_large": ErrorKind(
        413, "图片不能超过 {max_mb} MB。", "The image must not be larger than {max_mb} MB."
    ),
    "image_dimensions_too_large": ErrorKind(
        422,
        "图片像素过大：最多 {max_megapixels} 百万像素，每边不超过 {max_side} 像素。",
        "The image has too many pixels: at most {max_megapixels} megapixels and {max_side} pixels a side.",
    ),
    "corrupt_image": ErrorKind(422, "图片文件已损坏或不完整。", "The image file is corrupt or incomplete."),
    "video_too_large": ErrorKind(
        413, "视频不能超过 {max_mb} MB。", "The video must not be larger than {max_mb} MB."
    ),
    "not_an_mp4": ErrorKind(422, "仅支持 MP4 格式的视频。", "Only MP4 videos are accepted."),
    "too_many_images": ErrorKind(
        409, "每个商品最多 {max_images} 张图片。", "A product can have at most {max_images} images."
    ),
    "media_not_image": ErrorKind(
        422, "只有图片可以排序或设为主图。", "Only images can be ordered or made the main image."
    ),
    "image_order_mismatch": ErrorKind(
        422,
        "排序列表必须恰好包含该商品的每张图片各一次。",
        "The order must list every image of the product exactly once.",
    ),
    "synonym_group_exists": ErrorKind(409, "已有相同的同义词组。", "The same synonym group already exists."),
    "invalid_import_file": ErrorKind(422, "导入文件无法读取。", "The import file cannot be read."),
    "idempotency_key_reused": ErrorKind(
        422, "该幂等键已用于另一请求。", "This Idempotency-Key was used with a different request."
    ),
    "service_unavailable": ErrorKind(503, "服务暂不可用。", "The service is unavailable."),
    "internal_error": ErrorKind(
        500, "服务器内部错误，我们已记录此问题。", "Internal server error; it has been logged."
    ),
}


def register_errors(kinds: dict[str, ErrorKind]) -> None:
    """Add a package's own error codes (``jishi.bootstrap`` does, for every package).

    Codes are a public contract, so two packages may not claim one code with different
    meanings; registering the same codes again (another app in the same process) is harmless.
    """
    clashes = sorted(code for code, kind in kinds.items() if CATALOG.get(code, kind) != kind)
    if clashes:
        raise KeyError(f"error codes already registered: {clashes}")
    CATALOG.update(kinds)


STATUS_TITLES = {
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message_zh: str
    message_en: str

    def message(self, locale: str) -> str:
        return self.message_en if locale == "en" else self.message_zh


@dataclass
class AppError(Exception):
    """A business error with a stable code. ``params`` fill the message templates."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)
    field_errors: list[FieldError] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    # Extension members of the problem body (RFC 9457 §3.2), e.g. which SKU ran short.
    extensions: dict[str, Any] = field(default_factory=dict)

    def __init__(
        self,
        code: str,
        *,
        field_errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        extensions: dict[str, Any] | None = None,
        **params: Any,
    ) -> None:
        if code not in CATALOG:
            raise KeyError(f"unknown error code {code!r}")
        super().__init__(code)
        self.code = code
        self.params = params
        self.field_errors = field_errors or []
        self.headers = headers or {}
        self.extensions = extensions or {}

    @property
    def status(self) -> int:
        return CATALOG[self.code].status

    def detail(self, locale: str) -> str:
        kind = CATALOG[self.code]
        template = kind.en if locale == "en" else kind.zh
        return template.format(**self.params) if self.params else template


def invalid_field(field: str, code: str, zh: str, en: str) -> AppError:
    """A 422 naming one field, for rules a schema cannot express (it needs the database)."""
    return AppError("validation_error", field_errors=[FieldError(field, code, zh, en)])


class NotFound(AppError):
    def __init__(self) -> None:
        super().__init__("not_found")


def problem_body(error: AppError, locale: str, *, instance: str, request_id: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        **error.extensions,
        "type": f"https://jishi.dev/problems/{error.code.replace('_', '-')}",
        "title": STATUS_TITLES.get(error.status, "Error"),
        "status": error.status,
        "code": error.code,
        "detail": error.detail(locale),
        "instance": instance,
    }
    if error.field_errors:
        body["errors"] = [
            {"field": fe.field, "code": fe.code, "message": fe.message(locale)} for fe in error.field_errors
        ]
    if request_id:
        body["request_id"] = request_id
    return body


def negotiate_locale(accept_language: str | None) -> str:
    """Pick zh-CN or en from an ``Accept-Language`` header (q-values honoured)."""
    if not accept_language:
        return DEFAULT_LOCALE
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        quality = 1.0
        for piece in pieces[1:]:
            name, _, value = piece.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag.startswith("zh"):
            choices.append((quality, -position, "zh-CN"))
        elif tag.startswith("en"):
            choices.append((quality, -position, "en"))
    choices = [c for c in choices if c[0] > 0]
    if not choices:
        return DEFAULT_LOCALE
    return max(choices)[2]
