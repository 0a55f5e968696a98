import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openmash.config.settings.prod")
application = get_wsgi_application()

# Both runserver and gunicorn serve this application: the process warms up in the background once it
# serves its first request (openmash/core/warmup.py).
from openmash.core.warmup import warm_up_with_first_request  # noqa: E402 - needs the settings above

warm_up_with_first_request()
