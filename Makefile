# Every target bootstraps .venv and node_modules first (scripts/bootstrap.sh is a no-op when up to date).
PY := .venv/bin/python
BOOT := scripts/bootstrap.sh

.PHONY: demo up test lint bench eval clean

demo:  ## the main job: start the embedded stack and play the scenario
	@$(BOOT)
	$(PY) -m salon.cli demo

up:  ## run the embedded stack in the foreground (Ctrl-C to stop)
	@$(BOOT)
	$(PY) -m salon.cli up

test:  ## lint, type-check and the whole test suite
	@$(BOOT)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy functions salon infra
	$(PY) -m pytest

lint:
	@$(BOOT)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy functions salon infra

bench:  ## benchmarks (numbers, not pass/fail)
	@$(BOOT)
	$(PY) bench/bench_uploads.py
	$(PY) bench/bench_insights.py
	$(PY) bench/bench_live.py

eval:  ## AI stand-ins measured on ../shared/data through the AI endpoint
	@$(BOOT)
	$(PY) -m salon.ai.evaluate

clean:
	rm -rf .venv node_modules cdk.out build .salon
