# The two commands a newcomer needs.
.PHONY: demo test

demo:
	scripts/demo.sh

test:
	scripts/test.sh
