"""One module per group of measures; each function returns :class:`benchmarks.harness.Result`."""
