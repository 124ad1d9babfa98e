# openface — PGXS build.
#
#   make            extension, CLI tools and converted models
#   make install    install the extension, the model file and the openface command
#                   (into pg_config's sharedir and bindir)
#   make unit       build the C unit tests of src/core
#   make check-all  everything the README's test command runs (see test/run-all.sh)

EXTENSION   = openface
EXTVERSION  = 0.3
MODULE_big  = openface

# One folder per concern (src/README.md): core/{image,nets,graph,svm}, pg/facegraph.
CORE_SRCS   = $(sort $(wildcard src/core/*.c src/core/*/*.c))
PG_SRCS     = $(sort $(wildcard src/pg/*.c src/pg/*/*.c))
CORE_OBJS   = $(CORE_SRCS:.c=.o)
OBJS        = $(CORE_OBJS) $(PG_SRCS:.c=.o)

# The install script is assembled from one fragment per feature, in name order.
SQL_PARTS   = $(sort $(wildcard extension/parts/*.sql))
# Upgrade scripts: extension/updates/A--B.sql, then every description
# (parts/90_comments.sql, idempotent), so updated installs read the same.
UPDATES     = $(patsubst extension/updates/%.sql,extension/$(EXTENSION)--%.sql,$(wildcard extension/updates/*.sql))
DATA_built  = extension/$(EXTENSION)--$(EXTVERSION).sql $(UPDATES)
# Released install scripts, frozen.
DATA        = $(addprefix extension/$(EXTENSION)--,0.1.sql 0.2.sql 0.1--0.2.sql)
# The companion extension with pgvector's casts (requires openface and vector;
# installed always, created only where pgvector is).
DATA       += extension/openface_pgvector.control extension/openface_pgvector--1.0.sql

# pg_regress: sql/<feature>.sql + expected/<feature>.out; "setup" creates the extension first.
REGRESS_ALL = $(basename $(notdir $(wildcard sql/*.sql)))
REGRESS     = setup $(sort $(filter-out setup,$(REGRESS_ALL)))

LIBS_CORE   = -lopenblas -ljpeg -lpng -lheif -lwebp -llinear -lcjson -lm
SHLIB_LINK  = $(LIBS_CORE)
PG_CPPFLAGS = -Isrc/core -Isrc/pg
PG_CFLAGS   = -Wextra -Wno-unused-parameter -Wno-sign-compare -Wno-missing-field-initializers \
              -Wno-cast-function-type $(if $(WERROR),-Werror) -MMD -MP
EXTRA_CLEAN = build $(DATA_built) $(OBJS:.o=.d)

PG_CONFIG  ?= pg_config
PGXS       := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Header dependencies, written by the compiler beside each object (PGXS's
# own autodepend keys them by file name, and several of ours share one).
-include $(OBJS:.o=.d) $(wildcard build/*.d build/*/*.d)

# Core is plain C11, independent of PostgreSQL's own style rules.
$(CORE_OBJS): override CFLAGS += -std=c11 -Wno-declaration-after-statement

extension/$(EXTENSION)--$(EXTVERSION).sql: $(SQL_PARTS)
	cat $^ > $@

extension/$(EXTENSION)--%.sql: extension/updates/%.sql extension/parts/90_comments.sql
	cat $^ > $@

# ---------------------------------------------------------------- models
MODEL_FILE  = models/openface.ofm
MODEL_DIR   = $(DESTDIR)$(datadir)/openface

models/tfjs/.verified: tools/fetch-models.sh tools/models.sha256
	tools/fetch-models.sh models/tfjs
	touch $@

$(MODEL_FILE): models/tfjs/.verified build/openface_convert
	build/openface_convert models/tfjs $@.tmp && mv $@.tmp $@

models: $(MODEL_FILE)
.PHONY: models

# SKIP_TOOLS=1 builds and installs only the extension (used by private sandboxes).
# (Each tool joins the default build once its source exists.)
ifndef SKIP_TOOLS
ifneq ($(wildcard src/cli/openface_convert.c),)
all: models
install: install-models
endif
all: $(patsubst src/cli/%.c,build/%,$(wildcard src/cli/*.c))
install: install-cli
uninstall: uninstall-cli
endif
# Replaced by rename, never rewritten in place: backends map the file, and
# one whose mapped file shrinks under it dies of SIGBUS.
install-models: $(MODEL_FILE)
	$(MKDIR_P) '$(MODEL_DIR)'
	$(INSTALL_DATA) $(MODEL_FILE) '$(MODEL_DIR)/openface.ofm.new'
	mv -f '$(MODEL_DIR)/openface.ofm.new' '$(MODEL_DIR)/openface.ofm'
.PHONY: install-models

# ---------------------------------------------------------------- tools
CLI_CFLAGS  = -std=c11 -O2 -g -Wall -Wextra $(if $(WERROR),-Werror) -Isrc/core -Igen -MMD -MP

build/%: src/cli/%.c $(CORE_OBJS)
	@mkdir -p build
	$(CC) $(CLI_CFLAGS) -o $@ $< $(CORE_OBJS) $(LIBS_CORE) -lpthread

# The openface command is src/cli/openface.c plus its parts in src/cli/openface/
# (one file per job); only it links libpq (load), found through pg_config.
CLI_PARTS   = $(patsubst src/cli/openface/%.c,build/cli/%.o,$(sort $(wildcard src/cli/openface/*.c)))

build/cli/%.o: src/cli/openface/%.c
	@mkdir -p build/cli
	$(CC) $(CLI_CFLAGS) -I'$(includedir)' -c -o $@ $<

build/openface: src/cli/openface.c $(CLI_PARTS) $(CORE_OBJS)
	@mkdir -p build
	$(CC) $(CLI_CFLAGS) -o $@ $< $(CLI_PARTS) $(CORE_OBJS) $(LIBS_CORE) -L'$(libdir)' -lpq -lpthread

# The CLI finds the model install-models puts there without being told.
build/openface: CLI_CFLAGS += -DOF_INSTALLED_MODEL='"$(datadir)/openface/openface.ofm"'

# Beside psql and pg_config ($(bindir) of pg_config).
install-cli: build/openface
	$(MKDIR_P) '$(DESTDIR)$(bindir)'
	$(INSTALL_PROGRAM) build/openface '$(DESTDIR)$(bindir)/openface'

uninstall-cli:
	rm -f '$(DESTDIR)$(bindir)/openface'
.PHONY: install-cli uninstall-cli

# ---------------------------------------------------------------- unit tests
UNIT_SRCS   = $(sort $(wildcard test/unit/test_*.c))
UNIT_BINS   = $(patsubst test/unit/%.c,build/unit/%,$(UNIT_SRCS))

build/unit/%: test/unit/%.c test/unit/unit.h $(CORE_OBJS)
	@mkdir -p build/unit
	$(CC) $(CLI_CFLAGS) -Itest/unit -o $@ $< $(CORE_OBJS) $(LIBS_CORE) -lpthread

unit: $(UNIT_BINS)
.PHONY: unit

# ---------------------------------------------------------------- fixture writers
# Not part of the build or the tests: how committed fixtures were made (see each program).
build/make_heic: test/fixtures/tools/make_heic.c $(CORE_OBJS)
	@mkdir -p build
	$(CC) $(CLI_CFLAGS) -o $@ $< $(CORE_OBJS) $(LIBS_CORE) -lpthread

# ---------------------------------------------------------------- benchmarks
BENCH_SRCS  = $(sort $(wildcard bench/*.c))
BENCH_BINS  = $(patsubst bench/%.c,build/bench/%,$(BENCH_SRCS))

build/bench/%: bench/%.c $(CORE_OBJS)
	@mkdir -p build/bench
	$(CC) $(CLI_CFLAGS) -O3 -march=native -o $@ $< $(CORE_OBJS) $(LIBS_CORE) -lpthread

bench: $(BENCH_BINS)
.PHONY: bench

check-all:
	test/run-all.sh
.PHONY: check-all

print-regress:
	@echo $(REGRESS)
.PHONY: print-regress

# ---------------------------------------------------------------- fuzzing (clang, not part of the tests)
# One libFuzzer target per test/fuzz/fuzz_<name>.c, linked against a sanitised
# build of all of src/core.  FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION (the
# libFuzzer convention) makes the model parsers skip their checksums.
FUZZ_CFLAGS  = -std=c11 -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
               -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -Isrc/core
FUZZ_NAMES   = $(patsubst test/fuzz/fuzz_%.c,%,$(wildcard test/fuzz/fuzz_*.c))
FUZZ_OBJS    = $(patsubst src/core/%.c,build/fuzz/core/%.o,$(CORE_SRCS))

build/fuzz/core/%.o: src/core/%.c $(wildcard src/core/*.h src/core/*/*.h)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -c -o $@ $<

build/fuzz/fuzz_%: test/fuzz/fuzz_%.c $(FUZZ_OBJS)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJS) $(LIBS_CORE) -lpthread

# Seeds for the corpora that are generated rather than collected (see the program).
build/fuzz/gen_seeds: test/fuzz/gen_seeds.c $(CORE_OBJS)
	@mkdir -p build/fuzz
	$(CC) $(CLI_CFLAGS) -o $@ $< $(CORE_OBJS) $(LIBS_CORE) -lpthread

fuzz-seeds: build/fuzz/gen_seeds $(MODEL_FILE)
	mkdir -p test/fuzz/corpus_svm_model test/fuzz/corpus_model_file test/fuzz/corpus_embedding_io
	build/fuzz/gen_seeds $(MODEL_FILE) test/fuzz
.PHONY: fuzz-seeds

# make fuzz FUZZ_SECONDS=600 runs every target in turn on a scratch copy of its
# committed corpus (test/fuzz/corpus_<name>_work, gitignored); make fuzz-<name>
# runs one.  make fuzz-merge-<name> adds to the committed corpus only the
# scratch inputs that bring new coverage (libFuzzer -merge=1).
FUZZ_SECONDS ?= 60
FUZZ_OPTS     = -rss_limit_mb=2048
FUZZ_MAX_LEN_decode       = 200000
FUZZ_MAX_LEN_svm_model    = 16384
FUZZ_MAX_LEN_model_file   = 16384
FUZZ_MAX_LEN_embedding_io = 8192

fuzz-%: build/fuzz/fuzz_%
	mkdir -p test/fuzz/corpus_$*_work
	cp -n test/fuzz/corpus_$*/* test/fuzz/corpus_$*_work/
	$< -max_total_time=$(FUZZ_SECONDS) -max_len=$(FUZZ_MAX_LEN_$*) $(FUZZ_OPTS) test/fuzz/corpus_$*_work

fuzz-merge-%: build/fuzz/fuzz_%
	$< -merge=1 -max_len=$(FUZZ_MAX_LEN_$*) $(FUZZ_OPTS) test/fuzz/corpus_$* test/fuzz/corpus_$*_work

fuzz: $(addprefix fuzz-,$(FUZZ_NAMES))
.PHONY: fuzz
