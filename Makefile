# Shoebox: `make run` starts the appliance, `make test` runs the test suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SUM    := $(shell cksum pyproject.toml | cut -d' ' -f1)
STAMP  := $(VENV)/.installed-$(SUM)
RUN_STAMP := $(VENV)/.runtime-$(SUM)

.PHONY: run test test-postgresql test-appliance lint bench setup runtime clean

run: runtime
	mkdir -p var/inbox
	$(BIN)/shoebox --library ./var run --inbox ./var/inbox --host 127.0.0.1 --port 8080

test: setup
	scripts/bootstrap.sh test
	$(BIN)/python -m pytest

# The catalogue, ingest and web modules once more, every catalogue a database on a throwaway
# PostgreSQL cluster (tests/pg_server.py); .ci/run runs this after `make test`.
PG_TESTS := tests/text/test_text_in_pictures.py tests/text/test_text_stacks.py tests/librarybackup/test_library_backup_pg.py tests/service/test_torture.py tests/phones tests/migrate/test_takeout_import.py tests/ingest/test_jobs.py tests/ingest/test_reimport_trashed.py tests/ingest/test_volumes.py tests/ingest/test_volume_identity.py \
	tests/catalog/test_people.py tests/catalog/test_memories_cache.py tests/catalog/test_sidecars.py tests/catalog/test_edits.py tests/catalog/test_places_catalog.py \
	tests/moments/test_moments_bursts.py tests/ingest/test_ingest.py tests/ingest/test_hostile_names.py \
	tests/web/test_web_api.py tests/web/test_web_routes.py tests/web/test_web_auth.py \
	tests/web/test_web_share.py tests/web/test_web_media.py tests/web/test_moments_web.py \
	tests/web/test_downloads.py tests/web/test_private_photos.py tests/web/test_photo_edits.py tests/web/test_folders.py
test-postgresql: setup
	scripts/bootstrap.sh test
	SHOEBOX_TEST_BACKEND=postgresql $(BIN)/python -m pytest $(PG_TESTS)

# The real appliance in a Debian 12 VM (QEMU, TCG): see tests/system/README.md. Needs root
# (debootstrap, chroot): run as root, or through sudo.
# The log: test-artifacts/appliance/run.log (with the VM's journal and serial console).
AS_ROOT := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
test-appliance: setup
	scripts/bootstrap.sh appliance
	mkdir -p test-artifacts/appliance
	{ $(AS_ROOT) $(BIN)/python -u tests/system/run_appliance_checks.py 2>&1; echo $$? >test-artifacts/appliance/rc; } \
		| tee test-artifacts/appliance/run.log
	exit $$(cat test-artifacts/appliance/rc)

lint: setup
	$(BIN)/ruff check appliance tests bench models scripts
	$(BIN)/ruff format --check appliance tests bench models scripts

bench: setup
	for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# `make run` installs the runtime dependencies only (no pytest, Playwright or ruff); the
# test extra comes on top for test, lint and bench.
runtime: $(RUN_STAMP)

setup: $(STAMP)

$(RUN_STAMP): pyproject.toml
	scripts/bootstrap.sh run
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	rm -f $(VENV)/.runtime-*
	touch $@

$(STAMP): $(RUN_STAMP)
	$(BIN)/python -m pip install -q -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
