"""GET /_casusruimte/guard/v1/rejections?from=<id>&limit=<n>&room_id=<optional>

The rejection log for the privacy officer's console (which reads it server-side
with the service account's token; see src/lib/server/guard-log.ts). Homeserver
admins only: no or a bad token gets 401, anyone else 403.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from synapse.module_api import DirectServeJsonResource, ModuleApi
from synapse.module_api.errors import Codes, SynapseError

from .store import DEFAULT_LIMIT, MAX_LIMIT

PATH = "/_casusruimte/guard/v1/rejections"

ReadPage = Callable[[int, int, "str | None"], Awaitable[tuple[list[dict[str, Any]], "int | None"]]]


class RejectionsResource(DirectServeJsonResource):
    isLeaf = True

    def __init__(self, api: ModuleApi, read_page: ReadPage):
        super().__init__()
        self._api = api
        self._read_page = read_page

    async def _async_render_GET(self, request: Any) -> tuple[int, dict[str, Any]]:
        requester = await self._api.get_user_by_req(request)  # 401 without a valid token
        if not await self._api.is_user_admin(requester.user.to_string()):
            raise SynapseError(
                403,
                "casusruimte: the rejection log is read through the privacy console, not with a personal account",
                Codes.FORBIDDEN,
            )
        from_id = _integer(request, "from", 0)
        limit = min(_integer(request, "limit", DEFAULT_LIMIT, minimum=1), MAX_LIMIT)
        room_id = _text(request, "room_id")
        rows, next_from = await self._read_page(from_id, limit, room_id)
        return 200, {"rejections": rows, "next_from": next_from}


def _text(request: Any, name: str) -> str | None:
    values = request.args.get(name.encode("ascii"))
    if not values:
        return None
    try:
        return values[0].decode("utf8")
    except UnicodeDecodeError:
        raise SynapseError(400, f"casusruimte: {name} is not valid UTF-8", Codes.INVALID_PARAM)


def _integer(request: Any, name: str, default: int, minimum: int = 0) -> int:
    raw = _text(request, name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SynapseError(400, f"casusruimte: {name} must be a whole number", Codes.INVALID_PARAM)
    if value < minimum:
        raise SynapseError(400, f"casusruimte: {name} must be at least {minimum}", Codes.INVALID_PARAM)
    return value
