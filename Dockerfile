# Aula's image: one image for the web servers and the delivery worker (see compose.yaml).
#   docker build -t aula .
#   docker run -e LMS_SQLALCHEMY_DATABASE_URI=... -e LMS_SECRET_KEY=... -e LMS_BASE_URL=https://... aula web
# It never loads the demo; `web` migrates the database to the newest schema before serving.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Pango for the PDF certificates (WeasyPrint); nothing else is needed at run time.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 aula

WORKDIR /app
# The run-time dependencies (and the PDF extra) at the locked versions first, so that a code
# change reuses this layer; the test tools of requirements.lock are left out.
COPY pyproject.toml requirements.lock README.md ./
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
print('\n'.join(p['dependencies'] + p['optional-dependencies']['pdf']))" > /tmp/run.txt \
    && pip install -c requirements.lock -r /tmp/run.txt
COPY lms lms
COPY courses courses
COPY scheduler scheduler
COPY templates templates
COPY deploy deploy
# Installed in place: the entry points (plugins) registered, templates beside the code.
RUN pip install --no-deps -e . \
    && mkdir -p /app/instance && chown aula:aula /app/instance

USER aula
ENV AULA_WEB_WORKERS=4 AULA_BIND=0.0.0.0:8000
EXPOSE 8000
VOLUME ["/app/instance"]
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=5 \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4).status != 200)"
ENTRYPOINT ["/app/deploy/start.sh"]
CMD ["web"]
