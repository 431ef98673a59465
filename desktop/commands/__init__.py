"""Command-line commands by feature. Each module has ``register(sub, parser_class)``,
which adds its subcommands to the ``stancecoder`` parser; desktop.cli lists the modules."""
