# Convenience wrapper; the scripts are what the README and CI call.
.PHONY: run build test clean format
run:
	bash scripts/run.sh
build:
	bash scripts/build.sh
test:
	bash scripts/test.sh
format:
	git ls-files '*.cpp' '*.h' | xargs clang-format -i
clean:
	rm -rf build
