from django.urls import path

from realtime.consumers import MeetingConsumer

websocket_urlpatterns = [
    # Django's path() is typed for views; channels routes ASGI applications with it.
    path("ws/meetings/<int:meeting_id>/", MeetingConsumer.as_asgi()),  # type: ignore[arg-type]
]
