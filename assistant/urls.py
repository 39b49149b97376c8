"""The assistant and the directive library, mounted at /assistant/ in the namespace "assistant"."""

from django.urls import path

from assistant import views
from assistant.notices import views as notice_views

urlpatterns = [
    path("", views.home, name="home"),
    path("ask/", views.ask_view, name="ask"),
    path("ask.json", views.ask_json, name="ask_json"),
    path("history/<int:question_id>/", views.history, name="history"),
    path("library/", views.library_list, name="library"),
    path("library/upload/", views.directive_upload, name="directive_upload"),
    path("directives/<int:directive_id>/", views.directive_view, name="directive_view"),
    path("directives/<int:directive_id>/file/", views.directive_file, name="directive_file"),
    path("directives/<int:directive_id>/status/", views.directive_status, name="directive_status"),
    path("directives/<int:directive_id>/edit/", views.directive_edit, name="directive_edit"),
    path(
        "directives/<int:directive_id>/reindex/",
        views.directive_reindex,
        name="directive_reindex",
    ),
    path("directives/<int:directive_id>/delete/", views.directive_delete, name="directive_delete"),
    # The conclusion notice of a meeting, drafted from its record.
    path("meetings/<int:meeting_id>/notice/", notice_views.notice_page, name="notice"),
    path("meetings/<int:meeting_id>/notice.docx", notice_views.notice_docx, name="notice_docx"),
    path("meetings/<int:meeting_id>/notice.pdf", notice_views.notice_pdf, name="notice_pdf"),
    path(
        "meetings/<int:meeting_id>/notice.pdf/status",
        notice_views.notice_pdf_status,
        name="notice_pdf_status",
    ),
]
