"""The tasks' follow-up: list, dashboard, export, a task's page and its actions."""

from django.urls import URLPattern, path

from cabinet.followup import views as tasks

urlpatterns: list[URLPattern] = [
    path("tasks/", tasks.task_list, name="tasks"),
    path("tasks/dashboard/", tasks.task_dashboard, name="task_dashboard"),
    path("tasks/export.xlsx", tasks.task_export, name="task_export"),
    path("tasks/<int:task_id>/", tasks.task_detail, name="task"),
    path("tasks/<int:task_id>/report/", tasks.task_report, name="task_report"),
    path("tasks/<int:task_id>/confirm/", tasks.task_confirm, name="task_confirm"),
    path("tasks/<int:task_id>/return/", tasks.task_return, name="task_return"),
    path(
        "tasks/<int:task_id>/updates/<int:update_id>/attachment/",
        tasks.task_attachment,
        name="task_attachment",
    ),
]
