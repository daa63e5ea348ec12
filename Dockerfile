FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY portal portal
COPY bases bases
COPY reporting reporting
RUN pip install --no-cache-dir .
COPY . .
RUN DJANGO_DEBUG=0 DJANGO_SECRET_KEY=build-only CELERY_BROKER_URL=redis://build DJANGO_ALLOWED_HOSTS=build python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120"]
