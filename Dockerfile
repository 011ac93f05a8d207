# GridGov web / worker / beat image (production settings).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=governance.settings.prod

# GeoDjango: GDAL (libgdal32 brings libgeos-c1v5 and libproj25).
RUN apt-get update \
    && apt-get install -y --no-install-recommends gdal-bin libgdal32 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Static files are collected at build time; the key is only needed to import the settings.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput -v 0 \
    && useradd --system --uid 10001 --home-dir /app --no-create-home gridgov \
    && mkdir -p /app/var/media \
    && chown -R gridgov /app/var

USER gridgov
EXPOSE 8000
CMD ["gunicorn", "governance.wsgi:application", "-b", "0.0.0.0:8000", "-w", "4", "--access-logfile", "-"]
