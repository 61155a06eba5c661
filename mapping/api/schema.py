"""Additions to the generated OpenAPI schema (drf-spectacular POSTPROCESSING_HOOKS)."""

from typing import Any

NOT_FOUND = "No such record (an unknown or withdrawn id)."


def document_not_found(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Every operation with an id in its path answers 404 for an id it does not know; the
    views raise NotFound, but their annotations list only 200. The 404 is documented in the
    media types of the 200 (the renderer is the same), with DRF's ``{"detail": …}`` body."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            parameters = operation.get("parameters", [])
            responses = operation.get("responses", {})
            if "404" in responses or not any(p.get("in") == "path" for p in parameters):
                continue
            media_types = responses.get("200", {}).get("content", {}) or {"application/json": {}}
            body = {"type": "object", "properties": {"detail": {"type": "string"}}}
            responses["404"] = {
                "description": NOT_FOUND,
                "content": {media_type: {"schema": body} for media_type in media_types},
            }
    return result
