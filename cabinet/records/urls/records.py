from django.urls import URLPattern, path

from cabinet.records.views import records

# The meeting's generated records (Decree 30 layout): minutes and invitation, DOCX and PDF.
urlpatterns: list[URLPattern] = [
    path("meetings/<int:meeting_id>/minutes.docx", records.minutes_docx, name="minutes_docx"),
    path("meetings/<int:meeting_id>/minutes.pdf", records.minutes_pdf, name="minutes_pdf"),
    path(
        "meetings/<int:meeting_id>/minutes.pdf/status",
        records.minutes_pdf_status,
        name="minutes_pdf_status",
    ),
    path(
        "meetings/<int:meeting_id>/invitation.docx",
        records.invitation_docx,
        name="invitation_docx",
    ),
    path(
        "meetings/<int:meeting_id>/invitation.pdf",
        records.invitation_pdf,
        name="invitation_pdf",
    ),
    path(
        "meetings/<int:meeting_id>/invitation.pdf/status",
        records.invitation_pdf_status,
        name="invitation_pdf_status",
    ),
]
