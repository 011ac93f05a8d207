"""Content-Security-Policy on every response.

Django 5.2 has no CSP support of its own (it arrives in 6.0), so this small middleware
sets the header from the CONTENT_SECURITY_POLICY setting. The policy allows scripts only
from our own origin: no inline <script>, no `on...=` handlers, no eval. A value that slips
into the DOM as HTML (the stored XSS of issue 8) therefore cannot run script.

Swagger UI (/api/docs/) is the one relaxed page: its sidecar stylesheet is accompanied
by an inline <style> block and the UI sets style attributes, so that path also allows
inline styles (never inline script). See docs/security.md.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

HEADER = "Content-Security-Policy"


def tile_origin(url: str) -> str:
    """`https://t{s}.tianditu.gov.cn/...` → `https://*.tianditu.gov.cn` (Leaflet's {s}
    subdomain placeholder becomes a wildcard); empty for no or a relative URL."""
    if not url:
        return ""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return ""
    host = parts.netloc
    if "{" in host:
        # Only a leading placeholder label can be expressed in CSP (`*.example.com`).
        labels = host.split(".")
        host = ".".join(["*"] + [lbl for lbl in labels[1:] if "{" not in lbl])
    return f"{parts.scheme}://{host}"


def build_policy(directives: dict[str, list[str]]) -> str:
    return "; ".join(f"{k} {' '.join(v)}".strip() for k, v in directives.items())


def policies() -> list[tuple[str, str]]:
    """[(path prefix, header value)], most specific prefix first; "" is the default."""
    base = {k: list(v) for k, v in settings.CONTENT_SECURITY_POLICY.items()}
    origin = tile_origin(getattr(settings, "MAP_TILE_URL", ""))
    if origin:
        base.setdefault("img-src", ["'self'"]).append(origin)
    out = []
    for prefix, extra in sorted(
        getattr(settings, "CONTENT_SECURITY_POLICY_RELAXED", {}).items(), key=lambda kv: -len(kv[0])
    ):
        merged = {k: list(v) for k, v in base.items()}
        for k, v in extra.items():
            merged[k] = merged.get(k, []) + [x for x in v if x not in merged.get(k, [])]
        out.append((prefix, build_policy(merged)))
    out.append(("", build_policy(base)))
    return out


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policies = policies()

    def __call__(self, request):
        response = self.get_response(request)
        if HEADER not in response:
            for prefix, value in self.policies:
                if request.path_info.startswith(prefix):
                    response[HEADER] = value
                    break
        return response
