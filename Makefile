# synthlearn: `make run` (main job on the bundled table) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BENCH_VENV ?= .venv-bench
BENCH_PY := $(BENCH_VENV)/bin/python
# CPU build of PyTorch, installed before the package so pip never pulls a multi-GB CUDA build.
TORCH ?= torch==2.13.0

.PHONY: run test bench install clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet "$(TORCH)"
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

## run: synthesize the bundled penguins table into out/ (synthetic.parquet, report.html, report.json, model/)
run: $(VENV)/.installed
	$(VENV)/bin/synthlearn synthesize --out out

## test: install with dev extras and run the test suite
test: $(VENV)/.installed-dev
	$(PY) -m pytest

# The benchmark environment adds SDV and sdmetrics (Business Source licensed dependencies):
# they are only ever installed here, never a dependency of synthlearn.
# So is mostlyai-engine's TabularARGN (Apache-2.0), for `diamonds_side.py --peers mostlyai` only:
# its requirements less torchvision, torchaudio and xgrammar's triton, with torch held at $(TORCH).
$(BENCH_VENV)/.installed: pyproject.toml benchmarks/requirements-sdv.txt
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_PY) -m pip install --quiet "$(TORCH)"
	$(BENCH_PY) -m pip install --quiet -r benchmarks/requirements-sdv.txt
	$(BENCH_PY) -m pip install --quiet --no-deps mostlyai-engine
	echo "$(TORCH)" > $(BENCH_VENV)/torch-pin.txt
	$(BENCH_PY) -m pip install --quiet -c $(BENCH_VENV)/torch-pin.txt accelerate datasets "huggingface-hub[hf-xet]" \
		json-repair opacus peft "psutil<6,>=5.9.5" tokenizers transformers
	$(BENCH_PY) -m pip install --quiet --no-deps "xgrammar<1.0.0,>=0.2.1" "apache-tvm-ffi>=0.1.11"
	$(BENCH_PY) -m pip install --quiet -e .
	touch $@

## bench: every benchmark; each script prints one table, measured in one process
bench: $(BENCH_VENV)/.installed $(VENV)/.installed-dev
	$(BENCH_PY) benchmarks/synth_quality.py
	$(BENCH_PY) benchmarks/deep_synth.py
	$(BENCH_PY) benchmarks/deep_synth.py --tables diamonds
	$(BENCH_PY) benchmarks/deep_synth.py --epochs 1 --sampling-only --tables penguins,diamonds
	$(BENCH_PY) benchmarks/diamonds_side.py --peers mostlyai
	$(BENCH_PY) benchmarks/diamonds_side.py --table penguins --threads 2 --epochs 200,300
	$(PY) benchmarks/cart_many_levels.py
	$(PY) benchmarks/evaluate_scale.py --rows 200000
	$(PY) benchmarks/neural_many_levels.py
	$(PY) benchmarks/conditional_sampling.py
	$(PY) benchmarks/learn.py
	$(PY) benchmarks/generate.py
	$(PY) benchmarks/autoencoders.py
	$(PY) benchmarks/images.py
	$(PY) benchmarks/vision_pixels.py
	$(PY) benchmarks/vision_images.py --threads 2
	$(PY) benchmarks/gemm_ceiling.py

clean:
	rm -rf out .pytest_cache .hypothesis
