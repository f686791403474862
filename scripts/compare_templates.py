"""Are the templates of this tree the same as those of a git revision?

A restructuring must not replace or change anything on the next deploy. This
synthesizes each config twice, from the revision (``git archive`` into a
temporary directory) and from the working tree, the way ``cdk synth`` runs the
app (``python app.py`` with ``cdk.json``'s context), and compares the stack
templates after removing what differs without meaning:

* asset hashes: any 64-hex-digit string (the ``S3Key`` of a function's code,
  an image asset's tag) becomes ``<asset-hash>``;
* ``aws:asset:*`` resource metadata;
* the ``CDKMetadata`` resource and its ``CDKMetadataAvailable`` condition.

Everything else counts: logical ids, every property, the dashboard body, the
outputs. Exit 0 when every config gives identical templates, 1 otherwise (the
differences are listed by path), 2 on a usage error::

    .venv/bin/python scripts/compare_templates.py --base 4d4b014
    .venv/bin/python scripts/compare_templates.py --base main --config config/default.toml
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIGS = ("config/default.toml", "tests/app/all_options.toml")
_ASSET_HASH = re.compile(r"\b[0-9a-f]{64}\b")
#: Shown per config before the list is cut.
MAX_SHOWN = 40


def synthesize(tree: Path, config: str, outdir: Path) -> dict[str, dict]:
    """The stack templates of ``tree``'s app for ``config`` (a path relative to the tree), by stack name."""
    context = json.loads((tree / "cdk.json").read_text())["context"]
    context["config"] = config
    env = {
        **os.environ,
        "CDK_OUTDIR": str(outdir),
        "CDK_CONTEXT_JSON": json.dumps(context),
        # The tree's own packages first, before any editable install of this repository.
        "PYTHONPATH": os.pathsep.join([str(tree), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        "PATH": f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    result = subprocess.run([sys.executable, "app.py"], cwd=tree, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"synth of {config} in {tree} failed (exit {result.returncode}):\n{result.stderr.strip()}")
    manifest = json.loads((outdir / "manifest.json").read_text())
    return {
        name: json.loads((outdir / artifact["properties"]["templateFile"]).read_text())
        for name, artifact in manifest["artifacts"].items()
        if artifact.get("type") == "aws:cloudformation:stack"
    }


def normalize(template: dict) -> dict:
    """The template without asset hashes, asset metadata and CDKMetadata."""
    template = json.loads(_ASSET_HASH.sub("<asset-hash>", json.dumps(template)))
    template.get("Resources", {}).pop("CDKMetadata", None)
    conditions = template.get("Conditions", {})
    conditions.pop("CDKMetadataAvailable", None)
    if not conditions:
        template.pop("Conditions", None)
    for resource in template.get("Resources", {}).values():
        metadata = resource.get("Metadata")
        if isinstance(metadata, dict):
            for key in [k for k in metadata if k.startswith("aws:asset:")]:
                del metadata[key]
            if not metadata:
                del resource["Metadata"]
    return template


def differences(before: Any, after: Any, path: str = "") -> Iterator[str]:
    """Where two JSON values differ, as ``path: before -> after`` lines."""
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after)):
            where = f"{path}.{key}" if path else key
            if key not in after:
                yield f"{where}: only before"
            elif key not in before:
                yield f"{where}: only after"
            else:
                yield from differences(before[key], after[key], where)
    elif isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            yield from differences(old, new, f"{path}[{index}]")
    elif isinstance(before, str) and isinstance(after, str) and before != after:
        # Long strings (a dashboard body) are shown around the first character that differs.
        yield f"{path}{_around_first_difference(before, after)}"
    elif before != after:
        yield f"{path}{_around_first_difference(json.dumps(before), json.dumps(after))}"


def _around_first_difference(before: str, after: str) -> str:
    start = next((i for i, (a, b) in enumerate(zip(before, after, strict=False)) if a != b), min(len(before), len(after)))
    return f" at character {start}: {_excerpt(before, start)} -> {_excerpt(after, start)}"


def _excerpt(text: str, start: int, width: int = 80) -> str:
    begin = max(0, start - 20)
    piece = text[begin : begin + width]
    return ("..." if begin else "") + repr(piece)[1:-1] + ("..." if begin + width < len(text) else "")


def export_revision(revision: str, into: Path) -> None:
    archive = subprocess.run(
        ["git", "archive", revision],  # noqa: S607 -- the git on PATH, as a developer runs it
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        raise SystemExit(f"git archive {revision} failed: {archive.stderr.decode().strip()}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="HEAD", help="git revision to compare the working tree with (default: HEAD)")
    parser.add_argument(
        "--config", action="append", help=f"config file, relative to the repository (default: {', '.join(DEFAULT_CONFIGS)})"
    )
    args = parser.parse_args(argv)
    configs = args.config or list(DEFAULT_CONFIGS)
    same = True
    with tempfile.TemporaryDirectory(prefix="compare-templates-") as tmp:
        base = Path(tmp) / "base"
        base.mkdir()
        export_revision(args.base, base)
        for index, config in enumerate(configs):
            before = synthesize(base, config, Path(tmp) / f"before-{index}")
            after = synthesize(ROOT, config, Path(tmp) / f"after-{index}")
            found = list(differences({k: normalize(v) for k, v in before.items()}, {k: normalize(v) for k, v in after.items()}))
            resources = sum(len(t.get("Resources", {})) for t in after.values())
            if not found:
                print(f"{config}: identical to {args.base} ({', '.join(after)}: {resources} resources)")
                continue
            same = False
            print(f"{config}: {len(found)} difference(s) from {args.base}:")
            for line in found[:MAX_SHOWN]:
                print(f"  {line}")
            if len(found) > MAX_SHOWN:
                print(f"  ...and {len(found) - MAX_SHOWN} more")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
