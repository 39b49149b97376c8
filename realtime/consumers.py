"""The meeting socket. Thin: checks who may listen, relays committed events, answers pings."""

from __future__ import annotations

import json
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from cabinet.models import Meeting
from cabinet.permissions import can_see_meeting, participant_for
from realtime import events
from realtime.broadcast import meeting_group, user_group
from realtime.relay import ensure_relay


@database_sync_to_async
def _last_seq_if_allowed(user: Any, meeting_id: int) -> int | None:
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        return None
    participant = participant_for(user, meeting)
    if not can_see_meeting(participant, meeting):
        return None
    return meeting.last_seq


class MeetingConsumer(AsyncJsonWebsocketConsumer):
    groups: list[str] = []

    async def connect(self) -> None:
        user = self.scope.get("user")
        meeting_id = int(self.scope["url_route"]["kwargs"]["meeting_id"])
        last_seq = await _last_seq_if_allowed(user, meeting_id) if user else None
        if last_seq is None:
            # Refuse before accept: a non-participant learns nothing, not even that the meeting exists.
            await self.close(code=4403)
            return
        self.meeting_id = meeting_id
        self.groups = [meeting_group(meeting_id), user_group(user.pk)]
        for group in self.groups:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await ensure_relay()
        await self.send_json({"type": events.HELLO, "seq": last_seq})

    async def disconnect(self, code: int) -> None:
        for group in self.groups:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None or len(text_data.encode()) > events.MAX_MESSAGE_BYTES:
            await self.send_json(
                {"type": events.ERROR, "code": "too_large", "message": "Tin nhắn quá lớn."}
            )
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self.send_json(
                {"type": events.ERROR, "code": "bad_json", "message": "Tin nhắn không hợp lệ."}
            )
            return
        await self.receive_json(content)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == events.PING:
            await self.send_json({"type": events.PONG})
            return
        await self.send_json(
            {"type": events.ERROR, "code": "unknown_type", "message": "Loại tin nhắn không hỗ trợ."}
        )

    # --- channel layer handlers -----------------------------------------------------------------
    async def meeting_event(self, message: dict[str, Any]) -> None:
        await self.send_json(
            {
                "type": events.EVENT,
                "seq": message["seq"],
                "event": message["event"],
                "data": message["data"],
            }
        )

    async def user_disconnect(self, message: dict[str, Any]) -> None:
        """Logout or deactivation: sent to user.<id> so every socket of that user closes."""
        await self.close(code=4401)
