"""Say what a cloud assembly holds: each stack, its resources by type, its outputs."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path


def summarize(outdir: Path) -> str:
    manifest = json.loads((outdir / "manifest.json").read_text())
    lines = []
    for name, artifact in sorted(manifest.get("artifacts", {}).items()):
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        template_file = outdir / artifact["properties"]["templateFile"]
        template = json.loads(template_file.read_text())
        resources = Counter(r["Type"] for r in template.get("Resources", {}).values())
        size_kib = template_file.stat().st_size / 1024
        lines.append(f"{name}: {sum(resources.values())} resources, {size_kib:.0f} KiB -> {template_file}")
        for resource_type, count in sorted(resources.items()):
            lines.append(f"  {count:4d}  {resource_type}")
        for output in sorted(template.get("Outputs", {})):
            lines.append(f"  output {output}")
    return "\n".join(lines) if lines else f"{outdir}: no stacks"


if __name__ == "__main__":
    print(summarize(Path(sys.argv[1] if len(sys.argv) > 1 else "cdk.out")))
