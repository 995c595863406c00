# The two commands a fresh machine needs: `make run` and `make test`. Everything goes through CMake.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all setup build run test test-asan fuzz format clean models model-artifacts

all: build

setup:
	@bash scripts/setup.sh

$(BUILD)/CMakeCache.txt:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null

build: setup $(BUILD)/CMakeCache.txt
	@cmake --build $(BUILD) -j $(JOBS)

# The main job, end to end: today a zoo model through the frontend, the fusion report and the
# reference interpreter (scripts/run.sh says what runs).
run: build
	@bash scripts/run.sh $(BUILD)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: setup
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DAGT_SANITIZE=ON >/dev/null
	@cmake --build build-asan -j $(JOBS)
	@cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j $(JOBS)

# The libFuzzer targets (fuzz/), built with clang in build-fuzz: the model loader for FUZZ_SECONDS from
# seeds made of the torch fixtures, the tiny zoo models and small helper models, then the tuning-log
# parser for half as long from the committed logs' lines.
FUZZ_SECONDS ?= 60
# FUZZ_SEED: libFuzzer's seed, fixed so that CI is reproducible; 0 for a new sequence each run.
FUZZ_SEED ?= 1
fuzz: build
	@cmake -S fuzz -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ >/dev/null
	@cmake --build build-fuzz -j $(JOBS)
	@FUZZ_SEED=$(FUZZ_SEED) bash fuzz/run.sh build-fuzz $(FUZZ_SECONDS) $(BUILD)/bin/autogtco

# The nine paper models, zoo -> ONNX -> compile: $(BUILD)/models/NAME.so (`make -j models`). Incremental:
# a model is rebuilt when its ONNX, its tuning log (models/tuning/h100/NAME.jsonl or the log aliases.txt
# there names for it, when there is one) or
# the autogtco binary changed. The ONNX (seeded random weights) is written once.
MODELS ?= vit-base-16 vit-large-16 vit-huge-14 setr-naive-base setr-naive setr-pup \
          detr-resnet50-e3 detr-resnet50-e6 detr-resnet50-e12
MODEL_DIR ?= $(BUILD)/models
TUNING_DIR ?= models/tuning/h100
PRECISION ?= fp16
COMPILE_FLAGS ?=
AUTOGTCO = $(BUILD)/bin/autogtco
# The log a model compiles from: its own, or the one models/tuning/h100/aliases.txt names for it.
log_of = $(or $(shell awk '$$1 == "$(1)" { print $$2 }' $(TUNING_DIR)/aliases.txt 2>/dev/null),$(1))

models: build
	@$(MAKE) --no-print-directory model-artifacts

model-artifacts: $(MODELS:%=$(MODEL_DIR)/%.so)

.PRECIOUS: $(MODEL_DIR)/%.onnx
$(MODEL_DIR)/%.onnx: | $(AUTOGTCO)
	@mkdir -p $(MODEL_DIR)
	@$(AUTOGTCO) zoo $* -o $@

.SECONDEXPANSION:
$(MODEL_DIR)/%.so: $(MODEL_DIR)/%.onnx $(AUTOGTCO) $$(wildcard $(TUNING_DIR)/$$(call log_of,$$*).jsonl)
	@$(AUTOGTCO) compile $< -o $@ --precision $(PRECISION) $(COMPILE_FLAGS) \
	  $(if $(wildcard $(TUNING_DIR)/$(call log_of,$*).jsonl),--tuning-log $(TUNING_DIR)/$(call log_of,$*).jsonl)

format:
	@find cli compiler ir codegen tuner runtime models tests -name '*.cpp' -o -name '*.h' | xargs clang-format -i

clean:
	@rm -rf $(BUILD) build-asan build-fuzz
