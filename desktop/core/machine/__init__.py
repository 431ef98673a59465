"""Machine coders: a model treated as one more coder of the scheme (no Qt, no SQL).

Three sources of labels, each stored with its provenance beside the humans' labels
(:mod:`desktop.core.store.machine`):

- :mod:`.train`: scikit-learn trained on the project's own labels, with out-of-fold
  predictions grouped by article;
- :mod:`.llm`: any LLM behind an OpenAI-compatible chat-completions endpoint, prompted
  from the scheme (:mod:`.prompt`), with a response cache in the project;
- :mod:`.predictions`: predictions made elsewhere, imported from CSV or JSONL.

:mod:`.scoring` answers whether a model could stand in for a human coder.
"""
