import os

from django.core.asgi import get_asgi_application

# A server process is production unless told otherwise (the demo sets its settings).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ewtp.settings.production")
application = get_asgi_application()
