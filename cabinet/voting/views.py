"""Voting over plain HTTP, so that a ballot never depends on the socket.

POST /polls/<poll_id>/vote/     {"option": id, "client_id": "…"} → 200 {"poll": id, "receipt": "…"}
GET  /polls/<poll_id>/record/   an open (named) poll's per-member record, once it has closed

Errors are {"error": "<message>"}: 400 (bad input or refused), 401 (signed out), 404 (no such
poll for this user), 409 (record asked for before the close or of a secret poll).
The same service and the same idempotency as the socket: a retry with the same client id gets the
same receipt.
"""

from __future__ import annotations

import json

from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cabinet.core.errors import ServiceError
from cabinet.core.http import current_user
from cabinet.core.permissions import can_see_meeting, participant_for
from cabinet.meetings.selectors import visible_items_filter
from cabinet.models import AgendaItem, Ballot, Poll, PollKind, PollState
from cabinet.voting import services as voting_services
from realtime.events import CLIENT_ID


def _poll_for(request: HttpRequest, poll_id: int) -> Poll:
    """The poll if the user may see it: a participant of its meeting who sees its item (the rule
    of the pages and the socket), else 404 whether or not it exists."""
    poll = Poll.objects.select_related("meeting").filter(pk=poll_id).first()
    if poll is None:
        raise Http404
    participant = participant_for(request.user, poll.meeting)
    if participant is None or not can_see_meeting(participant, poll.meeting):
        raise Http404
    if poll.item_id is not None and not (
        AgendaItem.objects.filter(pk=poll.item_id)
        .filter(visible_items_filter(participant))
        .exists()
    ):
        raise Http404
    return poll


def _signed_in(request: HttpRequest) -> JsonResponse | None:
    if not request.user.is_authenticated:
        return JsonResponse({"error": _("Phiên đăng nhập đã hết; hãy đăng nhập lại.")}, status=401)
    return None


@require_POST
def cast_ballot(request: HttpRequest, poll_id: int) -> JsonResponse:
    if (refusal := _signed_in(request)) is not None:
        return refusal
    poll = _poll_for(request, poll_id)
    try:
        body = json.loads(request.body or b"{}") if len(request.body) <= 1024 else None
    except ValueError:
        body = None
    option, client_id = (body or {}).get("option"), (body or {}).get("client_id")
    if (
        not isinstance(option, int)
        or isinstance(option, bool)
        or not isinstance(client_id, str)
        or not CLIENT_ID.match(client_id)
    ):
        return JsonResponse({"error": _("Phiếu biểu quyết không hợp lệ.")}, status=400)
    try:
        receipt = voting_services.cast_vote(
            actor=current_user(request), poll_id=poll.pk, option_id=option, client_id=client_id
        )
    except ServiceError as refused:
        return JsonResponse({"error": str(refused)}, status=400)
    return JsonResponse({"poll": receipt.poll, "receipt": receipt.receipt})


@require_GET
def poll_record(request: HttpRequest, poll_id: int) -> JsonResponse:
    """Who voted how, for a named poll after it has closed (for the minutes)."""
    if (refusal := _signed_in(request)) is not None:
        return refusal
    poll = _poll_for(request, poll_id)
    if poll.kind == PollKind.SECRET or poll.state not in (PollState.CLOSED, PollState.PUBLISHED):
        return JsonResponse(
            {
                "error": _(
                    "Chỉ xem được kết quả từng đại biểu của biểu quyết công khai đã kết thúc."
                )
            },
            status=409,
        )
    ballots = Ballot.objects.filter(poll=poll).select_related("voter__user", "option")
    return JsonResponse(
        {
            "poll": poll.pk,
            "record": sorted(
                (
                    {
                        "participant": b.voter_id,
                        "name": b.voter.user.get_full_name(),
                        "option": b.option.label,
                    }
                    for b in ballots
                ),
                key=lambda row: row["name"],
            ),
        }
    )
