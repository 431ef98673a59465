"""Command-line commands by feature. Each module has ``register(sub, parser_class)``,
which adds its subcommands to the ``stancecoder`` parser; desktop.cli lists the modules."""


def split_list(text: str | None) -> list[str] | None:
    """``"a, b,,c"`` -> ``["a", "b", "c"]``; None for an absent option."""
    if not text:
        return None
    return [part.strip() for part in text.split(",") if part.strip()]
