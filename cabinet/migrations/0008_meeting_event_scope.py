"""Every sequenced event gets the scope of who may receive it (cabinet.meetings.selectors), and the events
already in the log get theirs from what they name, so that a replay of an old meeting is filtered
like a live one."""

from django.db import migrations, models

ITEM_EVENTS = {
    "agenda.item_added",
    "agenda.item_updated",
    "agenda.item_removed",
    "speaker.withdrawn",
    "speaker.ended",
    "speaker.reordered",
}
MEETING_WIDE = {
    "meeting.created",
    "meeting.updated",
    "meeting.published",
    "meeting.started",
    "meeting.ended",
    "meeting.concluded",
    "meeting.archived",
    "participant.invited",
    "participant.removed",
    "attendance.changed",
    "agenda.reordered",
    "item.current",
    "timer.changed",
    "notice.issued",
}
# Held by nobody but the chair and secretaries (who hold every scope): an event of a type not
# known here, or naming a paper that no longer exists.
ORGANIZERS = "organizers"


def _item(item_id):
    return "" if item_id is None else f"item:{item_id}"


def scope_of(event_type, payload, paper_items):
    def paper(paper_id):
        if paper_id not in paper_items:
            return ORGANIZERS
        item_id = paper_items[paper_id]
        return "papers" if item_id is None else _item(item_id)

    if event_type.startswith("poll."):
        return _item((payload.get("poll") or {}).get("item"))
    if event_type in ("speaker.requested", "speaker.floor"):
        return _item((payload.get("request") or {}).get("item"))
    if event_type in ITEM_EVENTS:
        return _item(payload.get("item"))
    if event_type in ("paper.added", "paper.version_added"):
        item_id = payload.get("item")
        return "papers" if item_id is None else _item(item_id)
    if event_type == "presenter.changed":
        presenter = payload.get("presenter")
        return "" if not presenter else paper(presenter.get("paper"))
    if event_type == "presenter.page":
        return paper(payload.get("paper"))
    return "" if event_type in MEETING_WIDE else ORGANIZERS


def backfill(apps, schema_editor):
    MeetingEvent = apps.get_model("cabinet", "MeetingEvent")
    Paper = apps.get_model("cabinet", "Paper")
    paper_items = dict(Paper.objects.values_list("pk", "agenda_item_id"))
    batch = []
    for event in MeetingEvent.objects.only("seq", "type", "payload").iterator():
        # Access records (no seq) are never sent; they keep the default.
        if event.seq is not None:
            event.scope = scope_of(event.type, event.payload or {}, paper_items)
            batch.append(event)
        if len(batch) >= 1000:
            MeetingEvent.objects.bulk_update(batch, ["scope"])
            batch = []
    MeetingEvent.objects.bulk_update(batch, ["scope"])


class Migration(migrations.Migration):
    dependencies = [("cabinet", "0007_merge_0006_audit_log_0006_sessions_valid_after")]

    operations = [
        migrations.AddField(
            model_name="meetingevent",
            name="scope",
            field=models.CharField(blank=True, default="organizers", max_length=40),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
