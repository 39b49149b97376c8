"""Vietnamese unless the user chose otherwise with the language switch; and sessions that end.

Django's LocaleMiddleware also follows the browser's Accept-Language, which would show English on
an official's tablet merely because its browser was set up in English. Here only the language
cookie (set by the VI/EN switch) changes the language.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.urls import Resolver404, ResolverMatch, resolve
from django.utils import translation

from cabinet.trust import sessions

logger = logging.getLogger(__name__)


class ChosenLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        response = super().process_response(request, response)
        # Views run in a thread shared with the meeting sockets' database work: leave it in the
        # default language rather than in this official's choice.
        translation.activate(settings.LANGUAGE_CODE)
        return response


# Pages a request may reach with an ended session, without being sent to the login page first:
# the login page itself (which shows why), signing out, the language switch and the service
# worker's script (the browser fetches it to look for updates and cannot follow a redirect).
_PASS_THROUGH_URLS = ("login", "logout", "set_language", "service_worker")


class SessionLifetimeMiddleware:
    """Ends idle, too old and revoked sessions (the rules: cabinet/trust/sessions.py).

    An ended session is signed out (which also closes its sockets), the official is sent to the
    login page with the reason, and the device is told to delete its offline copies: every
    response carries the X-Offline-Purge header (read by the service worker) until a page that is
    not a redirect has carried it, with Clear-Site-Data and a flag for the page's own script.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        ended = self._check(request)
        if ended is not None:
            self._end(request, ended)
        session = getattr(request, "session", None)
        # Read by base.html: the page's script deletes the offline copies too (offline.js).
        request.offline_purge = bool(session and session.get(sessions.PURGE_KEY))  # type: ignore[attr-defined]
        response: HttpResponseBase
        if ended is not None:
            if self._passes_through(request):
                response = self.get_response(request)
            else:
                response = redirect_to_login(request.get_full_path())
        else:
            response = self.get_response(request)
        return self._order_purge(request, response)

    def _check(self, request: HttpRequest) -> sessions.Ended | None:
        session = getattr(request, "session", None)
        if session is None or SESSION_KEY not in session:
            return None
        user = request.user
        if not user.is_authenticated:
            # Signed in once, but the account is now inactive or gone: deactivated.
            return sessions.Ended.REVOKED
        ended = sessions.session_ended(session, user)
        if ended is None:
            sessions.touch(session)
        return ended

    def _end(self, request: HttpRequest, ended: sessions.Ended) -> None:
        logger.info("session ended (%s) for user %s", ended, request.session.get(SESSION_KEY))
        logout(request)  # flushes the session; user_logged_out closes its sockets
        request.session[sessions.PURGE_KEY] = True
        messages.warning(request, sessions.ended_message(ended))

    def _passes_through(self, request: HttpRequest) -> bool:
        match = request.resolver_match or _resolve(request.path_info)
        return match is not None and match.view_name in _PASS_THROUGH_URLS

    def _order_purge(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        session = getattr(request, "session", None)
        if session is None or not session.get(sessions.PURGE_KEY):
            return response
        response[sessions.PURGE_HEADER] = "1"
        if not 300 <= response.status_code < 400:
            # A redirect's headers are hidden from the service worker (an opaque redirect), so the
            # order stays until the page it leads to has carried it.
            del session[sessions.PURGE_KEY]
            response["Clear-Site-Data"] = '"cache", "storage"'
        return response


def _resolve(path: str) -> ResolverMatch | None:
    try:
        return resolve(path)
    except Resolver404:
        return None
