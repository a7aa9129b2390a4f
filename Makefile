# Convenience wrapper; the scripts are what the README and CI call.
.PHONY: run build test package clean format
run:
	bash scripts/run.sh
build:
	bash scripts/build.sh
test:
	bash scripts/test.sh
package:
	bash scripts/package.sh
format:
	git ls-files '*.cpp' '*.h' | xargs clang-format -i
clean:
	rm -rf build
