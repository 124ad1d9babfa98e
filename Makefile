# openface — PGXS build.
#
#   make            extension, CLI tools and converted models
#   make install    install the extension and the model file into PostgreSQL
#   make unit       build the C unit tests of src/core
#   make check-all  everything the README's test command runs (see test/run-all.sh)

EXTENSION   = openface
EXTVERSION  = 0.2
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
DATA        = extension/$(EXTENSION)--0.1.sql

# pg_regress: sql/<feature>.sql + expected/<feature>.out; "setup" creates the extension first.
REGRESS_ALL = $(basename $(notdir $(wildcard sql/*.sql)))
REGRESS     = setup $(sort $(filter-out setup,$(REGRESS_ALL)))

LIBS_CORE   = -lopenblas -ljpeg -lpng -llinear -lcjson -lm
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

# ---------------------------------------------------------------- unit tests
UNIT_SRCS   = $(sort $(wildcard test/unit/test_*.c))
UNIT_BINS   = $(patsubst test/unit/%.c,build/unit/%,$(UNIT_SRCS))

build/unit/%: test/unit/%.c test/unit/unit.h $(CORE_OBJS)
	@mkdir -p build/unit
	$(CC) $(CLI_CFLAGS) -Itest/unit -o $@ $< $(CORE_OBJS) $(LIBS_CORE) -lpthread

unit: $(UNIT_BINS)
.PHONY: unit

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
FUZZ_FLAGS  = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Isrc/core

build/fuzz/fuzz_decode: test/fuzz/fuzz_decode.c src/core/common.c src/core/image/decode.c src/core/nets/preprocess.c
	@mkdir -p build/fuzz
	clang $(FUZZ_FLAGS) -o $@ $^ -ljpeg -lpng -lm

# make fuzz FUZZ_SECONDS=600 runs the decoder fuzzer on a scratch copy of the seeds
FUZZ_SECONDS ?= 60
fuzz: build/fuzz/fuzz_decode
	mkdir -p test/fuzz/corpus_decode_work
	cp -n test/fuzz/corpus_decode/* test/fuzz/corpus_decode_work/
	build/fuzz/fuzz_decode -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -max_len=200000 test/fuzz/corpus_decode_work
.PHONY: fuzz
