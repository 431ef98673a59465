"""The Qt-free core: scheme, corpus, store, agreement, export, merge."""
