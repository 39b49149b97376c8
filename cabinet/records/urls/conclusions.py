"""Recording what the meeting concluded and the tasks it assigned."""

from django.urls import path

from cabinet.records.views import conclusions

urlpatterns = [
    path(
        "meetings/<int:meeting_id>/conclusions/",
        conclusions.conclusions_page,
        name="conclusions",
    ),
    path(
        "meetings/<int:meeting_id>/conclusions/save/",
        conclusions.conclusion_save,
        name="conclusion_save",
    ),
    path("meetings/<int:meeting_id>/tasks/new/", conclusions.task_new, name="task_new"),
    path(
        "meetings/<int:meeting_id>/tasks/queue/clear/",
        conclusions.task_queue_clear,
        name="task_queue_clear",
    ),
    path(
        "meetings/<int:meeting_id>/tasks/<int:task_id>/edit/",
        conclusions.task_edit,
        name="task_edit",
    ),
    path(
        "meetings/<int:meeting_id>/tasks/<int:task_id>/delete/",
        conclusions.task_delete,
        name="task_delete",
    ),
]
