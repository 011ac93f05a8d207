"""The OpenAPI schema tells the truth about errors: every operation may answer the
statuses the edge and the one exception handler produce, all as `Error`."""

ERROR = {
    "type": "object",
    "properties": {
        "detail": {"type": "string", "description": "给人看的说明 message for people"},
        "code": {"type": "string", "description": "机器可读的原因 machine-readable reason"},
        "errors": {
            "type": "object",
            "additionalProperties": True,
            "description": "逐字段的错误 errors by field, when a body was invalid",
        },
        # A stale write (409 `conflict` on a change carrying `version`, docs/offline.md).
        "server": {
            "type": "object",
            "additionalProperties": True,
            "description": "409 过期修改:服务器上的当前记录(按字段策略脱敏) the current record",
        },
        "yours": {
            "type": "object",
            "additionalProperties": True,
            "description": "409 过期修改:您提交的字段 the fields you submitted",
        },
        "version": {
            "type": "string",
            "description": "409 过期修改:当前版本 the current version, to resubmit with",
        },
    },
    "required": ["detail", "code"],
}

# Any request can be refused at the edge (400), unauthenticated (401), forbidden (403),
# aim at something outside the caller's jurisdiction (404), or meet the database down (503).
ALWAYS = {
    "400": "输入有误 Invalid input (the edge: NUL characters, numbers out of range, "
    "pagination; or the operation's own validation)",
    "401": "未登录 Not authenticated",
    "403": "无权操作 Not allowed",
    "404": "未找到,或不在管辖范围内 Not found or outside the jurisdiction",
    # code `database_unavailable`, with Retry-After (docs/operations.md).
    "503": "数据库暂时无法访问,请稍后重试 The database is unavailable (restarting); retry",
}
WITH_BODY = {
    "409": "与现有数据冲突 Conflict: a duplicate or a concurrent change",
    "415": "不支持的内容类型 Unsupported media type",
}


def document_errors(result, generator, request, public):
    """drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            errors = {**ALWAYS, **(WITH_BODY if method in ("post", "put", "patch") else {})}
            for status, description in errors.items():
                documented = operation["responses"].setdefault(status, {})
                documented.setdefault("description", description)
                documented["content"] = content  # one shape for every error
    return result
