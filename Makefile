# Trực Ban: `make run` for a demo on this machine, `make test` for the whole check.
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin

.PHONY: run test lint fmt messages

# A checkout's own settings: DEBUG and a key of its own, never committed. Production sets the
# environment instead (DEBUG defaults to false and then a real SECRET_KEY is required).
.env:
	printf 'DEBUG=true\nSECRET_KEY=%s\n' "$$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')" >$@

$(VENV)/.installed: requirements.txt
	test -d $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

# The web server, a Celery worker and beat, in the foreground until Ctrl-C.
run: $(VENV)/.installed .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py loaddemo
	trap 'kill 0' INT TERM; \
	$(BIN)/celery -A config worker -B --loglevel=INFO --concurrency=2 & \
	$(PY) manage.py switchboard & \
	$(PY) manage.py runserver 127.0.0.1:8000; \
	kill 0

test: $(VENV)/.installed .env
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	$(BIN)/pytest --numprocesses=auto --maxprocesses=4 --durations=15

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

fmt: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Refresh locale/*/django.po from the code and templates, then compile them.
messages: $(VENV)/.installed .env
	$(PY) manage.py makemessages --locale vi --ignore '.venv/*' --ignore 'tests/*' --ignore 'bench/*' --no-obsolete
	$(PY) manage.py compilemessages --ignore '.venv/*'
