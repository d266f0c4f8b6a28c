# Every target bootstraps .venv and node_modules first (scripts/bootstrap.sh is a no-op when up to date).
PY := .venv/bin/python
BOOT := scripts/bootstrap.sh

.PHONY: demo up test test-fast lint bench bench-hops bench-rss chaos soak eval clean

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

test-fast:  ## unit and functional tiers only: no stack, no synth (well under 30 s)
	@$(BOOT)
	$(PY) -m pytest -q -m "unit or functional" tests/unit tests/functional

lint:
	@$(BOOT)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy functions salon infra

bench:  ## benchmarks (numbers, not pass/fail)
	@$(BOOT)
	$(PY) bench/bench_pipeline.py --profile
	$(PY) bench/bench_cli.py
	$(PY) bench/bench_insights.py
	$(PY) bench/bench_live.py

bench-hops:  ## where one upload's and one comment's glue goes, hop by hop (one client)
	@$(BOOT)
	$(PY) bench/glue_hops.py

bench-rss:  ## stack RSS after 500 uploads and 2,000 comments vs after the first 50 items (takes a while)
	@$(BOOT)
	$(PY) bench/bench_rss.py $(RSS_ARGS)

chaos:  ## faults injected under load (numbers, not pass/fail); scale down with CHAOS_ARGS="--uploads 20 --comments 100 --outage 10"
	@$(BOOT)
	$(PY) bench/chaos.py $(CHAOS_ARGS)

soak:  ## steady traffic for 10 minutes: RSS, open files, threads, executions each minute; SOAK_ARGS="--minutes 2"
	@$(BOOT)
	$(PY) bench/soak.py $(SOAK_ARGS)

eval:  ## AI stand-ins measured on ../shared/data through the AI endpoint
	@$(BOOT)
	$(PY) -m salon.ai.evaluate

clean:
	rm -rf .venv node_modules cdk.out build .salon
