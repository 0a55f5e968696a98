"""The real URLs plus one API view and one page that fail, to see what a client gets from a server error."""

from typing import NoReturn

from django.http import HttpRequest
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.views import APIView

from openmash.config import urls


class Broken(APIView):
    permission_classes = [AllowAny]

    def get(self, request: Request) -> NoReturn:
        raise RuntimeError("a bug in the API view")


def broken_outside_the_api_framework(request: HttpRequest) -> NoReturn:
    raise RuntimeError("a bug in a plain view under /api/")


urlpatterns = [
    path("api/v1/broken/", Broken.as_view()),
    path("api/v1/broken-plain/", broken_outside_the_api_framework),
    *urls.urlpatterns,
]
handler403 = urls.handler403
handler404 = urls.handler404
handler400 = getattr(urls, "handler400", "django.views.defaults.bad_request")
handler500 = getattr(urls, "handler500", "django.views.defaults.server_error")
