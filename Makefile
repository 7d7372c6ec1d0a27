# Two commands for a fresh machine with only Python 3.11:
#   make run    install into .venv, migrate, load the demo district, serve http://127.0.0.1:8000
#   make test   install into .venv and run the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: install run test demo messages

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py loaddemo

run: demo
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

# Regenerate the Vietnamese catalogue after changing user-facing strings (English is the source language).
messages: install
	$(PY) manage.py makemessages --locale vi --ignore '.venv/*' --ignore 'tests/*' --no-obsolete
	$(PY) manage.py compilemessages --ignore '.venv/*'
