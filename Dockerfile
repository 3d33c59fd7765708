# One image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=ewtp.settings.production
WORKDIR /app
RUN useradd --create-home --uid 10001 hub
COPY . .
# Editable, so that templates, locale and static files are read from /app.
RUN pip install -e .
# collectstatic needs settings to import; these placeholders are never used at run time.
RUN DJANGO_SECRET_KEY=build DJANGO_ALLOWED_HOSTS=build DATABASE_URL=sqlite:///tmp/build.db \
    REDIS_URL=redis://build:6379/0 python manage.py collectstatic --noinput \
    && mkdir -p /app/var && chown -R hub /app/var
USER hub
EXPOSE 8000
CMD ["gunicorn", "ewtp.wsgi:application", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
