import gc
import os

from django.core.wsgi import get_wsgi_application

# A server process is production unless told otherwise (the demo sets its settings).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ewtp.settings.production")
application = get_wsgi_application()

# Django and the apps, loaded now, live as long as the process: out of the garbage
# collector's view, a full collection does not traverse them again on every request.
gc.freeze()
