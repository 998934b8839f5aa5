# Lambda container image for the diary backend.
#
#   .ci/build-image [TAG]          # docker build, or buildah where no Docker engine runs
#
# Layers, least changing first: base -> standard-library bytecode -> dependencies -> handler/.
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

# --no-compile then compileall: every module gets a .pyc, compiled once (the dependencies in place of
# their sources, see below; TRIM=0 with unchecked-hash validation: no stat of the source on import).
# Removed before compiling (so no stray __pycache__ is left), each measured by `make bench` and
# backed by tests/image/test_routes.py (every route runs in the image under an audit hook that
# logs each import and each file opened):
# - bin/: console scripts (uvicorn, watchmedo...) that nothing in the function runs;
# - the MCP client/server stack that strands-agents depends on but never imports unless MCP tools
#   are used (this function uses none): mcp, starlette, uvicorn, sse-starlette, httpx/httpcore
#   (1 and 2), h11, anyio, python-multipart, PyJWT, cryptography + cffi + pycparser, click,
#   truststore; with their dist-info;
# - botocore's service models except the services the function calls (bedrock-runtime, s3, sqs,
#   secretsmanager for the database secret, sts, bedrock for the deploy's model check, lambda for
#   the pruning of old versions, cognito-idp for an erased user, transcribe for voice notes;
#   tests/unit/test_image_services.py
#   holds this list to the clients the code makes);
#   botocore's shared files (endpoints.json,
#   partitions.json, sdk-default-configuration.json, _retry.json) stay;
# - every country of the `holidays` package but South Korea (the only one handler/korean_calendar.py
#   asks for): its other country modules, their translations, the financial markets (which import
#   countries), and a countries/__init__.py that imports South Korea's alone (the package's own
#   imports all 250 countries, 0.5-1 s, on the first question that names a holiday);
# - PyYAML's libyaml binding (strands imports yaml for a plugin this function never loads; PyYAML
#   falls back to its own parser without it) and the packages' own tests;
# - the dependencies' sources: each module is compiled to a .pyc in its place (compileall -b) and
#   its .py deleted, so Python loads the bytecode without looking for a source (what the source
#   costs: about 3 MB compressed; what it bought: library lines in a traceback, which keeps their
#   file names, functions and line numbers). The handler keeps its sources.
# TRIM=0 keeps everything: only `make bench` uses it, to measure what the trimming buys.
ARG TRIM=1
# hadolint ignore=DL3003
RUN --mount=type=secret,id=cacert,required=false \
    if [ -s /run/secrets/cacert ]; then export PIP_CERT=/run/secrets/cacert; fi \
    && python -m pip install --no-cache-dir --no-compile --disable-pip-version-check --root-user-action=ignore \
        --target /opt/deps -r /tmp/requirements.txt \
    && cd /opt/deps && rm -rf bin \
    && if [ "$TRIM" = 1 ]; then rm -rf mcp mcp-* mcp_types mcp_types-* starlette starlette-* uvicorn uvicorn-* \
        sse_starlette sse_starlette-* httpx httpx-* httpx2 httpx2-* httpcore httpcore-* httpcore2 httpcore2-* \
        h11 h11-* anyio anyio-* multipart python_multipart python_multipart-* jwt pyjwt-* PyJWT-* \
        cryptography cryptography-* cffi cffi-* _cffi_backend* pycparser pycparser-* click click-* \
        truststore truststore-* \
    && find botocore/data -mindepth 1 -maxdepth 1 -type d \
        -not -name bedrock-runtime -not -name bedrock -not -name s3 -not -name sqs -not -name secretsmanager \
        -not -name sts -not -name lambda -not -name cognito-idp -not -name transcribe \
        -exec rm -rf {} + \
    && find holidays/countries -mindepth 1 -maxdepth 1 -not -name __init__.py -not -name south_korea.py \
        -exec rm -rf {} + \
    && echo 'from holidays.countries.south_korea import SouthKorea, KR, KOR, Korea' > holidays/countries/__init__.py \
    && rm -rf holidays/financial && find holidays/locale -type f -not -name KR.mo -delete \
    && rm -f yaml/_yaml.*.so && find . -depth -type d -name tests -exec rm -rf {} + \
    && python -m compileall -q -j0 -b . \
    && find . -name '*.py' -exec sh -c 'for f; do if [ -f "${f}c" ]; then rm "$f"; fi; done' _ {} + ; \
    else python -m compileall -q -j0 --invalidation-mode unchecked-hash /opt/deps ; fi

COPY handler/ /var/task/handler/
RUN python -m compileall -q -j0 --invalidation-mode unchecked-hash /var/task/handler

# ---------------------------------------------------------------------------------------------
FROM ${BASE_IMAGE}

ENV PYTHONUNBUFFERED=1 \
    LAMBDA_TASK_ROOT=/var/task \
    PYTHONPATH=/var/task:/opt/deps

# No USER: Lambda runs an image as a least-privileged user of its own, on a read-only file system
# but for /tmp, and needs only that this user can read the files ("Requirements" in
# https://docs.aws.amazon.com/lambda/latest/dg/images-create.html); the image tests run it under
# such a uid, with a read-only root. A USER here would also break `sam local`: SAM builds its
# emulator layer FROM this image and moves files into /var/rapid as the image's last user.
# The files stay owned by root, readable by all and writable by none but root.
#
# The official python images delete the standard library's .pyc files, and Lambda's file system
# is read-only, so without this every cold start compiles each standard module it imports again
# (asyncio, email, json, logging...). Compiled here once, unchecked-hash like the rest (-f: the
# modules Python itself imported during this step already got timestamp .pyc files); the tools
# and tests nobody imports at run time are left out (about 4 MB compressed, measured by make bench).
# STDLIB_PYC=0 skips it: only `make bench` uses that, to measure what it buys.
ARG STDLIB_PYC=1
RUN if [ "$STDLIB_PYC" = 1 ]; then python -m compileall -f -q -j0 --invalidation-mode unchecked-hash \
        -x '/(test|tests|idle_test|idlelib|tkinter|turtledemo|lib2to3|ensurepip|distutils|pydoc_data|site-packages|dist-packages|config-3[^/]*)(/|$)' \
        "$(python -c 'import sysconfig; print(sysconfig.get_path("stdlib"))')"; fi

COPY --from=builder /opt/deps /opt/deps

WORKDIR /var/task
ENTRYPOINT ["python", "-m", "awslambdaric"]
CMD ["handler.app.lambda_handler"]

# Last, so that a code-only change rebuilds this layer and nothing else.
COPY --from=builder /var/task/handler /var/task/handler
