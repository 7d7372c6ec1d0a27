from django.conf import settings
from django.http import JsonResponse, UnreadablePostError
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _


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


NUL = "\x00"


def _holds_nul(request) -> bool:
    if NUL in request.headers.get("Authorization", ""):
        return True
    data = [request.GET]
    if request.method == "POST":
        try:
            data.append(request.POST)
        except UnreadablePostError:
            # The client went away mid-upload; the view meets the same error as without this check.
            pass
    return any(NUL in key or any(NUL in value for value in values) for query in data for key, values in query.lists())


class RefuseNulMiddleware:
    """Answer 400 to a NUL character anywhere in the query string, the form fields or the Authorization
    header. No field of ours means one; Django's form fields refuse it, but a view that reads
    request.GET itself (a search, a filter, the API's `org`) passed it to the database, and PostgreSQL
    refuses a NUL in a query with an error: a 500 for what is a malformed request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _holds_nul(request):
            return self.get_response(request)
        message = _("The request holds a null character (NUL), which no field accepts: remove it and try again.")
        if request.path.startswith("/api/"):
            return JsonResponse({"error": message}, status=400, json_dumps_params={"ensure_ascii": False})
        return render(request, "400.html", {"message": message}, status=400)
