from django.conf import settings
from django.utils import translation


class LanguageMiddleware:
    """Vietnamese unless the user picked English with the switch; the browser's language is ignored,
    so a Vietnamese office with English-language browsers still gets a Vietnamese interface."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
