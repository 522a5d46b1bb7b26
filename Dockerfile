# The exam platform in a container: the wheel is built in one stage and installed, with the PostgreSQL
# driver, into a slim image that runs as an unprivileged user. See compose.yaml and README.md.
FROM python:3.11-slim AS build
WORKDIR /src
COPY . .
RUN pip install --no-cache-dir --disable-pip-version-check build \
    && python -m build --wheel --outdir /dist

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    EXAM_ENVIRONMENT=production \
    EXAM_DATA_DIR=/data
COPY --from=build /dist/ /tmp/dist/
RUN pip install --no-cache-dir "$(ls /tmp/dist/*.whl)[postgres]" \
    && rm -rf /tmp/dist \
    && useradd --create-home --uid 10001 exam \
    && mkdir /data && chown exam:exam /data
USER exam
WORKDIR /home/exam
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
# `exam serve` migrates the database once, then starts the workers.
CMD ["exam", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
