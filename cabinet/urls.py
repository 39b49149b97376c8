from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from cabinet.views import agenda, meetings, papers, participants

cabinet_patterns = [
    path("", meetings.home, name="home"),
    path("meetings/new/", meetings.meeting_create, name="meeting_create"),
    path("meetings/<int:meeting_id>/", meetings.meeting_detail, name="meeting"),
    path("meetings/<int:meeting_id>/edit/", meetings.meeting_edit, name="meeting_edit"),
    path(
        "meetings/<int:meeting_id>/status/<str:action>/",
        meetings.meeting_transition,
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
    # The version is in the URL, so a cached copy can never be mistaken for a newer version.
    path("papers/<int:paper_id>/v<int:number>/", papers.paper_download, name="paper_download"),
]

urlpatterns = [
    path("", include((cabinet_patterns, "cabinet"))),
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
