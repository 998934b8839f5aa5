# Two commands matter on a fresh machine (both make their own virtualenv and database):
#   make run    invoke the function locally with event files (embedded PostgreSQL, offline model)
#   make test   the whole test suite, image test included
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
EVENTS ?= events/http-api/records-create.json events/http-api/agent-diary.json events/http-api/questions-ask.json events/http-api/images-create.json events/http-api/reports-create.json events/http-api/reports-list.json

.PHONY: run dev smoke web-deploy test test-quick migrate backfill image lint clean bench eval routing-eval insights-bench

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

run: $(VENV)/.installed  ## make run [EVENTS="events/http-api/health.json ..."]
	$(PY) -m handler.local.invoke $(EVENTS)

dev: $(VENV)/.installed  ## make dev [DEV_PORT=3000 DEV_ARGS=--rest CORS_ALLOW_ORIGINS=http://localhost:5173]; the web client at /
	$(PY) -m handler.local.dev_server $(DEV_ARGS)

# After `sam deploy`, with your own AWS credentials: a throwaway Cognito user walks one record through
# the deployed API (record, diary, picture, erasure) and is deleted (handler/local/smoke.py).
# LOCAL=http://127.0.0.1:3000 walks a running `make dev` instead; SMOKE_ARGS=--dry-run prints, sends nothing.
smoke: $(VENV)/.installed  ## make smoke STACK=diary-dev [REGION=us-west-2] [SMOKE_ARGS=--dry-run] | make smoke LOCAL=<url>
	$(if $(or $(STACK),$(LOCAL)),,$(error give STACK=<the service stack's name>, or LOCAL=<make dev's URL>))
	$(PY) -m handler.local.smoke $(if $(LOCAL),--local $(LOCAL),--stack $(STACK)) $(if $(REGION),--region $(REGION)) $(SMOKE_ARGS)

# After `sam deploy` with WebClient=cloudfront, with your own AWS credentials: web/ uploaded to the
# stack's web bucket with its config.json, and the distribution's cache invalidated
# (handler/local/web_deploy.py, docs/web.md).
web-deploy: $(VENV)/.installed  ## make web-deploy STACK=diary-dev [REGION=us-west-2]
	$(if $(STACK),,$(error give STACK=<the service stack's name>))
	$(PY) -m handler.local.web_deploy --stack $(STACK) $(if $(REGION),--region $(REGION))

test: $(VENV)/.installed
	$(PY) -m pytest

test-quick: $(VENV)/.installed  ## everything but the image build and the SAM CLI tests
	$(PY) -m pytest -m "not image and not sam"

migrate: $(VENV)/.installed  ## apply migrations to DATABASE_URL
	$(PY) -m handler.migrate

backfill: $(VENV)/.installed  ## embed records and diaries that have no embedding, read old diaries' moods (DATABASE_URL or embedded)
	$(PY) -m handler.local.backfill

image:  ## build the Lambda image (docker if an engine answers, else buildah)
	.ci/build-image

# The SAM CLI pins older boto3/click/pydantic than the function, so it gets a virtualenv of its own.
.venv-sam/.installed:
	$(PYTHON) -m venv .venv-sam
	.venv-sam/bin/pip install --quiet --disable-pip-version-check aws-sam-cli==1.170.0
	touch $@

# checkov pins many libraries of its own: a third virtualenv.
.venv-checkov/.installed:
	$(PYTHON) -m venv .venv-checkov
	.venv-checkov/bin/pip install --quiet --disable-pip-version-check checkov==3.3.30
	touch $@

# Both templates: the service stack and the ECR bootstrap stack. checkov's skips are inline, each
# with its reason; --skip-download keeps it offline.
lint: $(VENV)/.installed .venv-sam/.installed .venv-checkov/.installed  ## offline checks of the templates and the Dockerfile
	$(VENV)/bin/cfn-lint template.yaml template-ecr.yaml
	.venv-sam/bin/sam validate --lint --template template.yaml --region us-east-1
	.venv-sam/bin/sam validate --lint --template template-ecr.yaml --region us-east-1
	.venv-checkov/bin/checkov --quiet --compact --skip-download --framework cloudformation -f template.yaml -f template-ecr.yaml
	$(VENV)/bin/hadolint Dockerfile

clean:
	rm -rf $(VENV) .venv-sam .venv-checkov .local .pytest_cache

# Static checks of the function's code: lint (ruff, config in pyproject.toml), types (mypy),
# security lint (bandit), and known vulnerabilities of the pinned runtime requirements (pip-audit;
# .ci/pip-audit tolerates only an unreachable vulnerability source, and says so).
.PHONY: check
check: $(VENV)/.installed
	$(VENV)/bin/ruff check handler tests benchmarks
	$(VENV)/bin/mypy
	$(VENV)/bin/bandit -c pyproject.toml -r handler -q
	$(PY) .ci/pip-audit requirements.txt

# Builds and measures the project's image, the seed document's baseline and the floor in one run
# (root, buildah; PostgreSQL on 127.0.0.1:5432). Prints the table, writes benchmarks/results/*.json
# and benchmarks/latest.json. About 15-20 minutes with buildah's vfs storage. Not run by CI.
bench: $(VENV)/.installed  ## make bench [BENCH_STARTS=5 BENCH_WARM=50]
	$(PY) -m benchmarks.bench

# Do questions find the records that answer them? A year of records and 100+ labelled questions
# (benchmarks/eval_diary.py) through the function, per category (benchmarks/question_eval.py): the
# offline model, the fake Bedrock's semantic double, and the same with the embedding model down.
# Prints the table and writes benchmarks/eval-latest.json. Not a timed test; not run by CI.
# (A plain variable, not $(or ...): make splits the arguments of $(or) at the commas, which ran
# the first mode only.)
EVAL_MODES ?= offline,semantic,embedding-down
eval: $(VENV)/.installed  ## make eval [EVAL_MODES=offline,semantic,embedding-down]
	$(PY) -m benchmarks.question_eval --modes $(EVAL_MODES)

# How many requests of the labelled routing set (tests/data/routing_set.tsv, Korean and English,
# compound ones included) POST /agent routes in code with no model call, and how many of those
# right, by language and kind (benchmarks/routing_eval.py). Seconds; no database, no model.
routing-eval: $(VENV)/.installed  ## make routing-eval [ROUTING_EVAL_ARGS=--wrong]
	$(PY) -m benchmarks.routing_eval $(ROUTING_EVAL_ARGS)

# How fast GET /insights is on five years of daily records and diaries (benchmarks/insights.py): its
# statements and the whole use case against a plain count(*) of the same rows, in one run, on a
# throwaway embedded PostgreSQL. Prints the table and the plan. About 15 s; not run by CI.
insights-bench: $(VENV)/.installed  ## make insights-bench
	$(PY) -m benchmarks.insights
