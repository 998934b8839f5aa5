# The baseline: the image the seed document describes, built from the same handler/ and the same
# pinned requirements.txt as the project's image, so that `make bench` can compare the two.
# Not used for deployment. Build context: the repository root (same .dockerignore as Dockerfile).
#
#   - builder: pip install --user --no-cache-dir (packages land in /root/.local)
#   - runtime: an apt layer for libpq5, /root/.local copied in, PYTHONUNBUFFERED=1,
#     PYTHONDONTWRITEBYTECODE=1, runs as root.
ARG BASE_IMAGE=python:3.11-slim

FROM ${BASE_IMAGE} AS builder
COPY requirements.txt .
RUN --mount=type=secret,id=cacert,required=false \
    if [ -s /run/secrets/cacert ]; then export PIP_CERT=/run/secrets/cacert; fi \
    && pip install --user --no-cache-dir -r requirements.txt

FROM ${BASE_IMAGE}
# Snapshot mirrors serve Release files whose Valid-Until has passed; the option is harmless elsewhere.
RUN apt-get -o Acquire::Check-Valid-Until=false update \
    && apt-get install -y --no-install-recommends libpq5 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=builder /root/.local /root/.local
ENV PATH=/root/.local/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    LAMBDA_TASK_ROOT=/var/task
WORKDIR /var/task
COPY handler/ ./handler/
ENTRYPOINT ["python", "-m", "awslambdaric"]
CMD ["handler.app.lambda_handler"]
