"""The ASGI application: the whole site, including the live stream (run it with uvicorn).

With DEBUG, static files are served by Django's asynchronous static files handler, straight
from the apps; otherwise whitenoise serves the collected files (or nginx in front does).
"""

import os

from django.conf import settings
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.core.asgi import get_asgi_application

from smve.env import WEB_DATABASE_POOL_SIZE

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smve.settings")
# Requests and streams share a bounded pool of PostgreSQL connections (docs/deployment.md).
os.environ.setdefault("DATABASE_POOL_SIZE", str(WEB_DATABASE_POOL_SIZE))
application = get_asgi_application()
if settings.DEBUG:
    application = ASGIStaticFilesHandler(application)
