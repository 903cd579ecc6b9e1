"""Request middleware of our own."""

from django.conf import settings
from django.utils import translation


class LanguageMiddleware:
    """Vietnamese unless the person picked another language with the switcher.

    Unlike Django's LocaleMiddleware, the browser's Accept-Language is not asked:
    many office computers run an English browser, and the site is Vietnamese first.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        # override(), not activate(): the next request served by this thread starts afresh.
        with translation.override(language):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class PermissionsPolicyMiddleware:
    """Tell browsers that no page of ours uses the camera, the microphone, location or payments."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
