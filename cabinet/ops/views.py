"""Health endpoints for the operator's monitoring: no sign-in, JSON, 200 or 503 (cabinet/ops/health.py)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from cabinet.ops.health import readiness


@never_cache
@require_safe
def live(request: HttpRequest) -> JsonResponse:
    """The process is up and serving requests (nothing else is touched)."""
    return JsonResponse({"status": "live"})


@never_cache
@require_safe
def ready(request: HttpRequest) -> JsonResponse:
    """Database, channel layer, task worker and embedding model: 200 when all are fine, else 503."""
    result = readiness()
    return JsonResponse(result.as_json(), status=200 if result.ready else 503)
