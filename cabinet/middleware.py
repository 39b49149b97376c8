"""Vietnamese unless the user chose otherwise with the language switch.

Django's LocaleMiddleware also follows the browser's Accept-Language, which would show English on
an official's tablet merely because its browser was set up in English. Here only the language
cookie (set by the VI/EN switch) changes the language.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


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
