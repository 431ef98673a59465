"""Validate our REFI-QDA files against the standard's own XSDs, where you have them.

    REFI_QDA_XSD=/path/to/folder python -m benchmarks.refi_xsd [PROJECT.stance]

The folder holds ``Project.xsd`` and ``Codebook.xsd`` (QDA-XML 1.0, 18 March 2019, from
www.qdasoftware.org). They are third-party files and are not in the repository, so
``make test`` checks the schemas' reading rules instead (tests/export/refi_rules.py); this
script is the full check. Without PROJECT it builds a small one from the demo articles:
two coders on the first sentences, with a note. It exports ``.qdpx`` and ``.qdc``,
validates them with xmlschema and prints one line per file; the exit code is 0 when both
are valid, 1 when one is not, 2 when the XSDs are not found.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import zipfile
from pathlib import Path

from desktop.core import store
from desktop.core.export import export


def demo_project(path: Path) -> Path:
    """The demo articles with two coders' labels (differing on every third unit) and a note."""
    from desktop.core.corpus.importer import import_paths
    from desktop.core.resources import default_scheme_path, demo_articles_dir
    from desktop.core.scheme import load_scheme

    db = store.create_project(path, load_scheme(default_scheme_path()))
    try:
        import_paths(db, [demo_articles_dir()], workers=1)
        units = [r["unit_id"] for r in store.iter_units_rows(db)][:12]
        scheme = store.current_scheme(db)
        for j, coder in enumerate(("ann", "bo")):
            store.ensure_coder(db, coder, coder.title())
            for i, unit in enumerate(units):
                for d in scheme.dimensions:
                    shift = j if i % 3 == 0 else 0
                    store.set_label(db, unit, coder, d.id, d.codes[(i + shift) % len(d.codes)])
        store.set_note(db, units[0], "ann", "a quote, not the author's own view")
    finally:
        db.close()
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.refi_xsd")
    parser.add_argument("project", nargs="?", type=Path, help="a project (default: the demo)")
    args = parser.parse_args(argv)
    folder = Path(os.environ.get("REFI_QDA_XSD", ""))
    schemas = {name: folder / name for name in ("Project.xsd", "Codebook.xsd")}
    if not os.environ.get("REFI_QDA_XSD") or not all(p.is_file() for p in schemas.values()):
        print("set REFI_QDA_XSD to a folder holding Project.xsd and Codebook.xsd", file=sys.stderr)
        return 2
    import xmlschema

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        path = args.project or demo_project(out / "demo.stance")
        db = store.open_project(path, readonly=True)
        try:
            export(db, "long", "qdpx", out / "project.qdpx")
            export(db, "codebook", "qdc", out / "codebook.qdc")
        finally:
            db.close()
        with zipfile.ZipFile(out / "project.qdpx") as archive:
            project = archive.read("project.qde").decode("utf-8")
        documents = {
            "project.qde": (schemas["Project.xsd"], project),
            "codebook.qdc": (schemas["Codebook.xsd"], (out / "codebook.qdc").read_text("utf-8")),
        }
        failed = 0
        for name, (xsd, text) in documents.items():
            errors = list(xmlschema.XMLSchema(str(xsd)).iter_errors(text))
            failed += bool(errors)
            first = f": {errors[0].reason}" if errors else ""
            print(f"{name}: {'valid' if not errors else f'{len(errors)} errors'} ({xsd}){first}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
