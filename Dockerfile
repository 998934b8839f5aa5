# Lambda container image for the diary backend.
#
#   .ci/build-image [TAG]          # docker build, or buildah where no Docker engine runs
#
# Layers, least changing first: base -> app user -> dependencies -> handler/.
# A change under handler/ only rebuilds the last layer.
#
# Dependencies live in /opt/deps, the code in /var/task, and both are put on sys.path with
# PYTHONPATH instead of being installed into the interpreter's own site-packages: the official
# python:3.11-slim keeps CPython under /usr/local (site-packages in /usr/local/lib/python3.11),
# a Debian-built stand-in keeps it under /usr (dist-packages), and PYTHONPATH means the same
# thing on both. Keeping deps and code in two folders keeps them in two layers.
#
# HTTPS during the build: a CA bundle from the build machine may be passed as the build secret
# `cacert` (docker build --secret id=cacert,src=$SSL_CERT_FILE). It is mounted only for the
# pip step and never stored in a layer; without it pip uses its own certifi bundle.
# The secret mount needs BuildKit (the default builder since Docker 23; `sam build --use-buildkit`).

ARG BASE_IMAGE=python:3.11-slim

# ---------------------------------------------------------------------------------------------
FROM ${BASE_IMAGE} AS builder

# Few instructions on purpose: with buildah's vfs storage every step costs a copy of the root
# file system, even on a cache hit.
COPY requirements.txt /tmp/requirements.txt

# --no-compile then compileall: every module gets a .pyc, compiled once, with
# unchecked-hash validation (no stat of the source on import; the image is immutable).
# bin/ holds console scripts (uvicorn, watchmedo...) that nothing in the function runs.
RUN --mount=type=secret,id=cacert,required=false \
    if [ -s /run/secrets/cacert ]; then export PIP_CERT=/run/secrets/cacert; fi \
    && python -m pip install --no-cache-dir --no-compile --disable-pip-version-check --root-user-action=ignore \
        --target /opt/deps -r /tmp/requirements.txt \
    && rm -rf /opt/deps/bin \
    && python -m compileall -q -j0 --invalidation-mode unchecked-hash /opt/deps

COPY handler/ /var/task/handler/
RUN python -m compileall -q -j0 --invalidation-mode unchecked-hash /var/task/handler

# ---------------------------------------------------------------------------------------------
FROM ${BASE_IMAGE}

ENV PYTHONUNBUFFERED=1 \
    LAMBDA_TASK_ROOT=/var/task \
    PYTHONPATH=/var/task:/opt/deps

# The function runs as this user; the files it runs stay owned by root and read-only to it.
RUN groupadd --gid 10001 app \
    && useradd --uid 10001 --gid app --no-create-home --home-dir /tmp --shell /usr/sbin/nologin app

COPY --from=builder /opt/deps /opt/deps

WORKDIR /var/task
USER 10001:10001
ENTRYPOINT ["python", "-m", "awslambdaric"]
CMD ["handler.app.lambda_handler"]

# Last, so that a code-only change rebuilds this layer and nothing else.
COPY --from=builder /var/task/handler /var/task/handler
