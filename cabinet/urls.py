from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path

from cabinet.live import views as room
from cabinet.meetings.views import agenda, meetings, participants
from cabinet.ops import views as health
from cabinet.papers.views import comments, compare, delivery, notes, offline, papers, viewer
from cabinet.records.views import comments as comments_summary
from cabinet.trust.views import account, security
from cabinet.voting import views as voting

cabinet_patterns: list[URLPattern | URLResolver] = [
    path("", meetings.home, name="home"),
    path("meetings/new/", meetings.meeting_create, name="meeting_create"),
    path("meetings/<int:meeting_id>/", meetings.meeting_detail, name="meeting"),
    path("meetings/<int:meeting_id>/edit/", meetings.meeting_edit, name="meeting_edit"),
    # Voting over HTTP (the same service as the socket's vote.cast).
    path("polls/<int:poll_id>/vote/", voting.cast_ballot, name="poll_vote"),
    path("polls/<int:poll_id>/record/", voting.poll_record, name="poll_record"),
    # The chair's console for the live meeting (the tablets' live state comes over the socket).
    path("meetings/<int:meeting_id>/console/", room.console, name="room_console"),
    path(
        "meetings/<int:meeting_id>/status/<str:action>/",
        room.meeting_transition,
        name="meeting_transition",
    ),
    path(
        "meetings/<int:meeting_id>/participants/",
        participants.participants,
        name="participants",
    ),
    path(
        "meetings/<int:meeting_id>/participants/<int:participant_id>/remove/",
        participants.participant_remove,
        name="participant_remove",
    ),
    path("meetings/<int:meeting_id>/agenda/", agenda.agenda_edit, name="agenda"),
    path("meetings/<int:meeting_id>/agenda/reorder/", agenda.agenda_reorder, name="agenda_reorder"),
    path(
        "meetings/<int:meeting_id>/agenda/<int:item_id>/",
        agenda.agenda_item_edit,
        name="agenda_item_edit",
    ),
    path(
        "meetings/<int:meeting_id>/agenda/<int:item_id>/move/",
        agenda.agenda_item_move,
        name="agenda_item_move",
    ),
    path(
        "meetings/<int:meeting_id>/agenda/<int:item_id>/remove/",
        agenda.agenda_item_remove,
        name="agenda_item_remove",
    ),
    path("meetings/<int:meeting_id>/papers/new/", papers.paper_upload, name="paper_upload"),
    path(
        "meetings/<int:meeting_id>/papers/<int:paper_id>/versions/new/",
        papers.paper_new_version,
        name="paper_new_version",
    ),
    path(
        "papers/<int:paper_id>/v<int:number>/status/",
        papers.paper_version_status,
        name="paper_status",
    ),
    # Delivery. The version is in every URL, so a cached copy can never pass for a newer version.
    # paper_file: the bytes for the viewer (Range, ETag); paper_download: a watermarked copy.
    path("papers/<int:paper_id>/v<int:number>/file/", delivery.paper_file, name="paper_file"),
    path(
        "papers/<int:paper_id>/v<int:number>/download/",
        delivery.paper_download,
        name="paper_download",
    ),
    # The viewer and what it asks for.
    path("papers/<int:paper_id>/", viewer.paper_latest, name="paper_latest"),
    path("papers/<int:paper_id>/v<int:number>/", viewer.paper_view, name="paper_view"),
    path("papers/<int:paper_id>/v<int:number>/search/", viewer.paper_search, name="paper_search"),
    path(
        "papers/<int:paper_id>/compare/<int:old>/<int:new>/",
        compare.paper_compare,
        name="paper_compare",
    ),
    # Private notes (JSON), comments on drafts (góp ý).
    path("papers/<int:paper_id>/notes/", notes.note_list, name="note_list"),
    path("papers/<int:paper_id>/notes/<int:note_id>/", notes.note_detail, name="note_detail"),
    path("papers/<int:paper_id>/comments/", comments.paper_comments, name="paper_comments"),
    path(
        "papers/<int:paper_id>/comments/export.docx",
        comments_summary.comments_export,
        name="comments_export",
    ),
    # Offline reading: the list of what to cache for a meeting, and the service worker at the root
    # (its scope must cover the pages and the paper URLs).
    path("meetings/<int:meeting_id>/offline/", offline.offline_manifest, name="offline_manifest"),
    # After the meeting: conclusions and tasks, the generated records, the tasks' follow-up.
    path("", include("cabinet.records.urls.conclusions")),
    path("", include("cabinet.records.urls.records")),
    path("", include("cabinet.followup.urls")),
    # The security officer's audit log.
    path("security/audit/", security.audit_log, name="audit_log"),
    path("security/audit/export.csv", security.audit_export, name="audit_export"),
]

urlpatterns = [
    path("", include((cabinet_patterns, "cabinet"))),
    path("assistant/", include(("assistant.urls", "assistant"))),
    path("sw.js", offline.service_worker, name="service_worker"),
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", offline.LogoutView.as_view(), name="logout"),
    # Two-factor sign-in (cabinet/trust/two_factor.py) and the account's security page.
    path("account/two-factor/", account.two_factor_verify, name="two_factor_verify"),
    path("account/two-factor/enrol/", account.two_factor_enrol, name="two_factor_enrol"),
    path("account/two-factor/disable/", account.two_factor_disable, name="two_factor_disable"),
    path("account/security/", account.account_security, name="account_security"),
    path(
        "account/security/recovery-codes/",
        account.recovery_codes_regenerate,
        name="recovery_codes_regenerate",
    ),
    path(
        "account/sign-out-everywhere/",
        account.sign_out_everywhere,
        name="sign_out_everywhere",
    ),
    # For the operator's monitoring (no sign-in): the process is up; it can serve everything.
    path("health/live", health.live, name="health_live"),
    path("health/ready", health.ready, name="health_ready"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
