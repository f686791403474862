"""Draw a synthesized CloudWatch dashboard as an SVG: each widget's box on the 24-column grid.

The dashboard is read from the cloud assembly ``make synth`` writes: the stack's template
(``cdk.out/<Stack>.template.json``, found through ``manifest.json``), its one
``AWS::CloudWatch::Dashboard``. The ``DashboardBody`` is an ``Fn::Join`` of strings and tokens; each
token becomes a readable placeholder so the body parses as JSON: ``${AWS::Region}``,
``${Ref:NotifierFunction}``, ``${GetAtt:NotifierQueue.QueueName}``,
``${GetAtt:ClusterSpot.ComputeEnvironmentArn|split(/)[1]}``. The 8-hex-digit hash CDK appends to a
logical id is dropped, so the picture names resources as the construct tree does.

Each widget is a box at its x/y/width/height (40 px a column, 36 px a row unit) holding its kind and
place, its title (a text widget: the first line of its markdown), and its metrics: namespace, metric
name and dimensions, the parts that all metrics of the widget share on one grey line above them,
then one entry per metric (its label first). Text is wrapped or cut (``…``) to stay inside the box,
and ``+N more`` stands for the entries that do not fit. The same dashboard always gives the same
bytes: no dates, no asset hashes.

Usage (exit 2 when the assembly has no dashboard, or several and none is chosen)::

    make synth && .venv/bin/python scripts/dashboard_layout.py cdk.out -o docs/dashboard-layout.svg
    .venv/bin/python scripts/dashboard_layout.py                  # reads cdk.out/, writes the SVG to stdout
    .venv/bin/python scripts/dashboard_layout.py cdk.out --stack GoActiveLearningBatch --dashboard MonitorDashboard

``tests/app/test_dashboard_layout.py`` fails when ``docs/dashboard-layout.svg`` is not what the default app gives.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple
from xml.sax.saxutils import escape, quoteattr

GRID_COLUMNS = 24
UNIT_X = 40
UNIT_Y = 36
MARGIN_LEFT = 34
MARGIN_RIGHT = 12
HEADER = 78
MARGIN_BOTTOM = 12
#: Space between neighbouring boxes, and between a box's edge and its text.
GAP = 2
PAD = 6
#: Font sizes and line heights (px); the text is monospace, a character at most 0.62 em wide.
SMALL, SMALL_LINE = 9, 12
TITLE, TITLE_LINE = 11, 14
BODY, BODY_LINE = 10, 12.5
CHAR_EM = 0.62
#: Lines an entry may take at most: the title, the shared line, a metric.
TITLE_LINES, SHARED_LINES, ENTRY_LINES = 2, 3, 3
COMMAND = "make synth && .venv/bin/python scripts/dashboard_layout.py cdk.out -o docs/dashboard-layout.svg"

#: Fill and outline of each kind of widget.
COLOURS = {
    "text": ("#f3f4f6", "#8a8f98"),
    "metric": ("#edf3fb", "#4a78b0"),
    "single value": ("#f2eefa", "#7659ad"),
    "alarm": ("#fcefee", "#b8504b"),
    "alarm status": ("#fcefee", "#b8504b"),
    "log": ("#edf7ef", "#4a9359"),
}
OTHER_COLOURS = ("#fdf6e5", "#a8842c")
_LOGICAL_ID_HASH = re.compile(r"^([A-Za-z0-9]+?)[0-9A-F]{8}$")
_NOT_XML = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


# --- the body: Fn::Join to JSON ---------------------------------------------------------------


def readable_id(logical_id: str) -> str:
    """A logical id without the hash CDK appends to ids made from paths: ``NotifierQueueC94A553E`` -> ``NotifierQueue``."""
    match = _LOGICAL_ID_HASH.match(logical_id)
    return match.group(1) if match else logical_id


def token_text(value: Any) -> str:
    """What a placeholder says for an intrinsic function (or a literal inside one), without ``${}``."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float) or value is None:
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ",".join(token_text(item) for item in value) + "]"
    if isinstance(value, dict) and len(value) == 1:
        ((name, args),) = value.items()
        if name == "Ref":
            return args if str(args).startswith("AWS::") else f"Ref:{readable_id(str(args))}"
        if name == "Fn::GetAtt":
            resource, attribute = args.split(".", 1) if isinstance(args, str) else args
            return f"GetAtt:{readable_id(resource)}.{token_text(attribute)}"
        if name == "Fn::Select" and isinstance(args, list) and len(args) == 2:
            index, items = args
            if isinstance(items, list) and isinstance(index, int) and 0 <= index < len(items):
                return token_text(items[index])
            return f"{token_text(items)}[{token_text(index)}]"
        if name == "Fn::Split" and isinstance(args, list) and len(args) == 2:
            return f"{token_text(args[1])}|split({token_text(args[0])})"
        if name == "Fn::Join" and isinstance(args, list) and len(args) == 2 and isinstance(args[1], list):
            return token_text(args[0]).join(item if isinstance(item, str) else token_text(item) for item in args[1])
        return f"{name.removeprefix('Fn::')}({token_text(args).removeprefix('[').removesuffix(']')})"
    return json.dumps(value, sort_keys=True)


def placeholder(value: Any) -> str:
    return "${" + token_text(value) + "}"


def resolve_text(value: Any) -> str:
    """A string property's text: a string, an ``Fn::Join`` with a :func:`placeholder` for each token, else a placeholder."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and set(value) == {"Fn::Join"}:
        separator, parts = value["Fn::Join"]
        return separator.join(part if isinstance(part, str) else placeholder(part) for part in parts)
    return placeholder(value)


def resolve_join(value: Any) -> str:
    """The JSON text of a dashboard body: a string, or an ``Fn::Join`` whose tokens (Ref, GetAtt, ...) become placeholders.

    The parts of the join are pieces of JSON: a token inside a JSON string is written escaped as that
    string's content, a token between values as a JSON string of its own, so the result parses.
    """
    if isinstance(value, str):
        return value
    if not (isinstance(value, dict) and set(value) == {"Fn::Join"}):
        raise ValueError(f"the dashboard body is neither a string nor an Fn::Join: {json.dumps(value)[:200]}")
    separator, parts = value["Fn::Join"]
    pieces: list[str] = []
    state = (False, False)  # inside a JSON string, after a backslash
    for index, part in enumerate(parts):
        if index and separator:
            pieces.append(separator)
            state = _scan(separator, state)
        if isinstance(part, str):
            pieces.append(part)
            state = _scan(part, state)
        else:
            quoted = json.dumps(placeholder(part))
            pieces.append(quoted[1:-1] if state[0] else quoted)
    return "".join(pieces)


def _scan(text: str, state: tuple[bool, bool]) -> tuple[bool, bool]:
    in_string, escaped = state
    for char in text:
        if escaped:
            escaped = False
        elif in_string and char == "\\":
            escaped = True
        elif char == '"':
            in_string = not in_string
    return in_string, escaped


def dashboards(template: dict) -> dict[str, dict]:
    """The template's dashboards (their properties) by logical id."""
    return {
        logical_id: resource.get("Properties", {})
        for logical_id, resource in template.get("Resources", {}).items()
        if resource.get("Type") == "AWS::CloudWatch::Dashboard"
    }


def dashboard_body(template: dict, dashboard: str | None = None) -> tuple[str, dict]:
    """The dashboard's name and parsed body; ``dashboard`` (a logical id, with or without its hash) picks one of several."""
    found = dashboards(template)
    if dashboard is not None:
        found = {k: v for k, v in found.items() if dashboard in (k, readable_id(k))}
    if len(found) != 1:
        names = ", ".join(sorted(readable_id(k) for k in dashboards(template))) or "none"
        raise LookupError(f"{len(found)} dashboards match {dashboard or 'any'} (the template has: {names})")
    ((logical_id, properties),) = found.items()
    name = resolve_text(properties["DashboardName"]) if "DashboardName" in properties else readable_id(logical_id)
    return name, json.loads(resolve_join(properties["DashboardBody"]))


def alarm_names(template: dict) -> dict[str, str]:
    """The names of the template's alarms (``AlarmName``), by the placeholder of their ARN: a widget shows the name."""
    return {
        placeholder({"Fn::GetAtt": [logical_id, "Arn"]}): resolve_text(resource["Properties"]["AlarmName"])
        for logical_id, resource in template.get("Resources", {}).items()
        if resource.get("Type") in ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm")
        and "AlarmName" in resource.get("Properties", {})
    }


def load_template(outdir: Path, stack: str | None = None) -> dict:
    """The template of the assembly's stack that has a dashboard (``stack`` picks one by name)."""
    manifest = json.loads((outdir / "manifest.json").read_text())
    templates = {
        name: json.loads((outdir / artifact["properties"]["templateFile"]).read_text())
        for name, artifact in sorted(manifest.get("artifacts", {}).items())
        if artifact.get("type") == "aws:cloudformation:stack" and stack in (None, name)
    }
    with_dashboard = {name: template for name, template in templates.items() if dashboards(template)}
    if len(with_dashboard) != 1:
        named, found = f" named {stack}" if stack else "", ", ".join(with_dashboard) or "none"
        raise LookupError(f"{outdir}: {len(with_dashboard)} stacks{named} with a dashboard ({found})")
    return next(iter(with_dashboard.values()))


# --- widgets: what each box says -----------------------------------------------------------


@dataclass(frozen=True)
class Widget:
    kind: str
    x: int
    y: int
    width: int
    height: int
    title: str
    #: Under the title: (style, text, most lines) -- style "shared" (grey) or "entry".
    entries: tuple[tuple[str, str, int], ...] = ()
    flags: str = ""


def widgets(body: dict, alarms: dict[str, str] | None = None) -> list[Widget]:
    """The body's widgets, in its order; ``alarms`` names alarms by their ARN (see :func:`alarm_names`)."""
    return [_widget(index, raw, alarms or {}) for index, raw in enumerate(body.get("widgets", []))]


def _widget(index: int, raw: dict, alarm_names: dict[str, str]) -> Widget:
    try:
        place = {key: int(raw[key]) for key in ("x", "y", "width", "height")}
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"widget {index} has no x, y, width and height: {json.dumps(raw)[:200]}") from error
    properties = raw.get("properties", {})
    kind, title, entries, flags = str(raw.get("type", "?")), str(properties.get("title", "")), [], []
    if kind == "text":
        first, _, rest = str(properties.get("markdown", "")).strip().partition("\n")
        title = first.lstrip("#").strip()
        entries = [("shared", " ".join(rest.split()), 99)] if rest.strip() else []
    elif kind == "log":
        entries = [("entry", " ".join(str(properties.get("query", "")).split()), 99)]
    elif kind == "alarm":
        kind = "alarm status"
        entries = [("entry", _alarm_name(alarm, alarm_names), ENTRY_LINES) for alarm in properties.get("alarms", [])]
    elif kind == "metric":
        view = properties.get("view", "timeSeries")
        alarms = properties.get("annotations", {}).get("alarms", [])
        kind = "alarm" if alarms and not properties.get("metrics") else "single value" if view == "singleValue" else kind
        if view not in ("timeSeries", "singleValue"):
            flags.append(str(view))
        if properties.get("stacked"):
            flags.append("stacked")
        entries = [("entry", f"alarm {_alarm_name(alarm, alarm_names)}", ENTRY_LINES) for alarm in alarms]
        entries += _metric_entries(properties.get("metrics", []), str(properties.get("stat", "Average")))
        entries += [
            ("shared", f"line at {line.get('value')}{': ' + line['label'] if line.get('label') else ''}", 1)
            for line in properties.get("annotations", {}).get("horizontal", [])
        ]
    return Widget(kind=kind, title=title, entries=tuple(entries), flags=", ".join(flags), **place)


def _alarm_name(alarm: Any, names: dict[str, str]) -> str:
    """An alarm's name: the template's ``AlarmName`` for its ARN's placeholder, the name in an ARN (``...:alarm:NAME``)."""
    text = str(alarm)
    return names.get(text) or (text.split(":alarm:", 1)[1] if ":alarm:" in text else text)


class _Metric(NamedTuple):
    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]
    stat: str
    label: str
    right: bool


def _metric_entries(rows: list, default_stat: str) -> list[tuple[str, str, int]]:
    """A shared line (what every metric of the widget has in common) and one entry per metric or expression."""
    metrics: list[_Metric] = []
    expressions: list[tuple[str, str, int]] = []
    previous: list[str] = []
    for row in rows:
        options = row[-1] if row and isinstance(row[-1], dict) else {}
        names = [str(name) for name in (row[:-1] if options else row)]
        if names[:1] == ["..."]:
            names = previous[: max(0, len(previous) - len(names) + 1)] + names[1:]
        names = [previous[i] if name == "." and i < len(previous) else name for i, name in enumerate(names)]
        previous = names
        label = str(options.get("label", ""))
        if "expression" in options:
            expressions.append(("entry", f"{label + ': ' if label else ''}{options['expression']}", ENTRY_LINES))
            continue
        names += [""] * (2 - len(names))
        dimensions = tuple(zip(names[2::2], names[3::2], strict=False))
        stat = str(options.get("stat", default_stat))
        metrics.append(_Metric(names[0], names[1], dimensions, stat, label, options.get("yAxis") == "right"))
    if not metrics:
        return expressions
    first = metrics[0]
    same_namespace, same_name, same_stat = (len({m[field] for m in metrics}) == 1 for field in (0, 1, 3))
    shared_dimensions = [d for d in first.dimensions if all(d in m.dimensions for m in metrics)]
    shared = [first.namespace] * same_namespace + [first.name] * same_name + [f"{k}={v}" for k, v in shared_dimensions]
    shared_text = " ".join(part for part in shared if part) + (f" ·\u00a0{first.stat}" if same_stat else "")
    entries = [("shared", shared_text, SHARED_LINES)] if shared_text else []
    for metric in metrics:
        parts = [metric.namespace] * (not same_namespace) + [metric.name] * (not same_name)
        parts += [f"{k}={v}" for k, v in metric.dimensions if (k, v) not in shared_dimensions] + [metric.stat] * (not same_stat)
        parts = [part for part in parts if part]
        label = " ".join([metric.label] * (metric.label not in parts) + ["[right]"] * metric.right).strip()
        text = " ".join(parts)
        entries.append(("entry", f"{label}: {text}" if label and text else label or text, ENTRY_LINES))
    return entries + expressions


# --- drawing -------------------------------------------------------------------------------


def wrap(text: str, width: int, max_lines: int) -> list[str]:
    """``text`` in lines of at most ``width`` characters, at most ``max_lines`` of them; the last ends in ``…`` when cut.

    Lines break at spaces (not at no-break spaces). A word longer than a line starts on the current line
    when it can be cut after punctuation (``=/.,:|-_)}``) there; the rest is cut the same way, else
    before a capital letter, else anywhere.
    """
    width = max(width, 2)
    text = re.sub(r"[\t\r\n]+", " ", text)
    lines: list[str] = []
    current = ""
    for word in (word for word in text.split(" ") if word):
        if current and len(current) + 1 + len(word) <= width:
            current += " " + word
            continue
        room = width - len(current) - 1 if current else width
        if len(word) > width and room >= 8 and (cut := _punctuation_cut(word, room)) >= 8:
            current, word = (f"{current} " if current else "") + word[:cut], word[cut:]
        if current:
            lines.append(current)
        while len(word) > width:
            cut = _punctuation_cut(word, width)
            if cut <= width // 3:
                cut = max((i for i in range(1, width + 1) if word[i - 1].islower() and word[i].isupper()), default=0)
            cut = cut if cut > width // 3 else width
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: width - 1].rstrip() + "…"
    return lines


def _punctuation_cut(word: str, width: int) -> int:
    """Where to cut ``word`` after punctuation so the first part has at most ``width`` characters (0: nowhere)."""
    return max((word.rfind(char, 0, width) + 1 for char in "=/.,:|-_)}"), default=0)


def _chars(pixels: float, font_size: float) -> int:
    return int(pixels // (font_size * CHAR_EM))


def _text(x: float, y: float, css: str, text: str) -> str:
    return f'<text x="{x:g}" y="{y:g}" class="{css}">{escape(_NOT_XML.sub(" ", text))}</text>'


def _box(widget: Widget) -> list[str]:
    left, top = MARGIN_LEFT + widget.x * UNIT_X + GAP, HEADER + widget.y * UNIT_Y + GAP
    width, height = widget.width * UNIT_X - 2 * GAP, widget.height * UNIT_Y - 2 * GAP
    fill, stroke = COLOURS.get(widget.kind, OTHER_COLOURS)
    out = [
        f"<g><title>{escape(_NOT_XML.sub(' ', widget.title or widget.kind))}</title>",
        f'<rect class="widget" data-kind={quoteattr(widget.kind)} x="{left}" y="{top}" width="{width}" height="{height}" '
        f'rx="4" fill="{fill}" stroke="{stroke}"/>',
    ]
    x, bottom, y = left + PAD, top + height - PAD / 2, top + PAD - 2
    place = f"{widget.width}×{widget.height} at ({widget.x},{widget.y})"
    lines: list[tuple[str, str]] = [("kind", f"{widget.kind}{', ' + widget.flags if widget.flags else ''} · {place}")]
    lines += [("title", line) for line in wrap(widget.title, _chars(width - 2 * PAD, TITLE), TITLE_LINES)]
    entries = list(widget.entries)
    body_chars = _chars(width - 2 * PAD, BODY)
    sizes = {"kind": (SMALL, SMALL_LINE), "title": (TITLE, TITLE_LINE), "shared": (BODY, BODY_LINE), "entry": (BODY, BODY_LINE)}
    used = sum(sizes[style][1] for style, _ in lines)
    room = int((bottom - y - used) // BODY_LINE)
    for index, (style, text, most) in enumerate(entries):
        wrapped = wrap(text, body_chars - 2, max(1, min(most, room)))
        left_after = len(entries) - index - 1
        if len(wrapped) > room - (1 if left_after else 0):
            lines.append(("shared", f"+{len(entries) - index} more"))
            break
        lines += [(style + " indented" * bool(i), line) for i, line in enumerate(wrapped)]
        room -= len(wrapped)
    for style, text in lines:
        css, _, indented = style.partition(" ")
        y += sizes[css][1]
        if y > bottom:
            break
        out.append(_text(x + (2 * BODY * CHAR_EM if indented else 0), y - 3, css, text))
    out.append("</g>")
    return out


def render_svg(dashboard_name: str, items: list[Widget]) -> str:
    """The SVG of the dashboard's widgets: a 24-column grid, a box per widget, a title and a legend."""
    rows = max((w.y + w.height for w in items), default=1)
    width, height = MARGIN_LEFT + GRID_COLUMNS * UNIT_X + MARGIN_RIGHT, HEADER + rows * UNIT_Y + MARGIN_BOTTOM
    title = f"CloudWatch dashboard {dashboard_name}: layout of its {len(items)} widgets"
    kinds = sorted({w.kind for w in items}, key=lambda kind: (list(COLOURS).index(kind) if kind in COLOURS else 99, kind))
    grid_right, grid_bottom = MARGIN_LEFT + GRID_COLUMNS * UNIT_X, HEADER + rows * UNIT_Y
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'role="img" aria-labelledby="title">',
        f'<title id="title">{escape(_NOT_XML.sub(" ", title))}</title>',
        "<style>text{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,'DejaVu Sans Mono','Liberation Mono',monospace;"
        f"fill:#1f2328}}.heading{{font-size:14px;font-weight:bold}}.legend,.ruler,.kind{{font-size:{SMALL}px;fill:#59606a}}"
        f".title{{font-size:{TITLE}px;font-weight:bold}}.entry{{font-size:{BODY}px}}.shared{{font-size:{BODY}px;fill:#59606a}}"
        ".grid{stroke:#e4e7eb;stroke-width:1}.grid6{stroke:#c4c9d0;stroke-width:1}</style>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        _text(MARGIN_LEFT, 20, "heading", title),
        _text(
            MARGIN_LEFT,
            36,
            "legend",
            f"{GRID_COLUMNS} columns × {rows} row units ({UNIT_X} px a column, {UNIT_Y} px a row unit). Each box: kind, "
            "width×height at (x,y); title; metrics, what they share in grey, then each one (label: the rest).",
        ),
        _text(MARGIN_LEFT, 49, "legend", "Tokens are ${placeholders}. Drawn by scripts/dashboard_layout.py from the template."),
    ]
    x = MARGIN_LEFT
    for kind in kinds:
        fill, stroke = COLOURS.get(kind, OTHER_COLOURS)
        out.append(f'<rect x="{x}" y="54" width="14" height="9" rx="2" fill="{fill}" stroke="{stroke}"/>')
        out.append(_text(x + 18, 62, "legend", kind))
        x += 18 + int(len(kind) * SMALL * CHAR_EM) + 16
    for column in range(GRID_COLUMNS + 1):
        cx = MARGIN_LEFT + column * UNIT_X
        css = "grid6" if column % 6 == 0 else "grid"
        out.append(f'<line class="{css}" x1="{cx}" y1="{HEADER}" x2="{cx}" y2="{grid_bottom}"/>')
        out.append(_text(cx - (3 if column < 10 else 5), HEADER - 4, "ruler", str(column)))
    for row in range(rows + 1):
        cy = HEADER + row * UNIT_Y
        out.append(f'<line class="grid" x1="{MARGIN_LEFT}" y1="{cy}" x2="{grid_right}" y2="{cy}"/>')
    for row in sorted({w.y for w in items}):
        out.append(_text(4, HEADER + row * UNIT_Y + 12, "ruler", f"y={row}"))
    for widget in items:
        out += _box(widget)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def svg_for_template(template: dict, dashboard: str | None = None) -> str:
    """The SVG of the template's dashboard (``dashboard``: its logical id, when there are several)."""
    name, body = dashboard_body(template, dashboard)
    return render_svg(name, widgets(body, alarm_names(template)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("outdir", nargs="?", default="cdk.out", type=Path, help="the cloud assembly (default: cdk.out)")
    parser.add_argument("--stack", help="the stack, when several have a dashboard")
    parser.add_argument("--dashboard", help="the dashboard's logical id, when the stack has several")
    parser.add_argument("-o", "--output", type=Path, help="write the SVG here (default: stdout)")
    args = parser.parse_args(argv)
    try:
        svg = svg_for_template(load_template(args.outdir, args.stack), args.dashboard)
    except (OSError, LookupError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.output:
        args.output.write_bytes(svg.encode("utf-8"))
    else:
        sys.stdout.buffer.write(svg.encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
