# The commands a newcomer needs.
.PHONY: demo test bench

demo:
	scripts/demo.sh

test:
	scripts/test.sh

bench:
	scripts/bench.py
