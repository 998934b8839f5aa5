"""The Lambda image harness: build the image, run its entry point, feed it events (tests/image/, benchmarks/)."""
