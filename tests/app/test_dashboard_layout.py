"""scripts/dashboard_layout.py: docs/dashboard-layout.svg is what the default app's dashboard looks like, and stays so."""

from __future__ import annotations

import importlib.util
import json
import sys
import xml.etree.ElementTree as ElementTree
from itertools import combinations

import pytest

from tests.conftest import ROOT

SVG = ROOT / "docs" / "dashboard-layout.svg"
SVG_NS = "{http://www.w3.org/2000/svg}"


def _load_script():
    spec = importlib.util.spec_from_file_location("dashboard_layout_script", ROOT / "scripts" / "dashboard_layout.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


layout = _load_script()


@pytest.fixture(scope="module")
def drawn(default_app, tmp_path_factory) -> bytes:
    """The script's output for the default app's cloud assembly, run as ``make synth`` users run it."""
    output = tmp_path_factory.mktemp("dashboard_layout") / "dashboard-layout.svg"
    assert layout.main([str(default_app.outdir), "-o", str(output)]) == 0
    return output.read_bytes()


@pytest.fixture(scope="module")
def body(default_app) -> dict:
    return layout.dashboard_body(default_app.template_json)[1]


@pytest.fixture(scope="module")
def groups(drawn) -> list[ElementTree.Element]:
    root = ElementTree.fromstring(drawn)  # noqa: S314 -- our own script's output
    return [group for group in root.iter(f"{SVG_NS}g") if group.find(f"{SVG_NS}rect[@class='widget']") is not None]


def _texts(group: ElementTree.Element, css: str | None = None) -> list[str]:
    return [text.text or "" for text in group.iter(f"{SVG_NS}text") if css is None or text.get("class") == css]


def test_the_committed_picture_is_the_default_apps_dashboard(drawn):
    committed = SVG.read_bytes() if SVG.is_file() else b""
    assert drawn == committed, f"{SVG.relative_to(ROOT)} is not the default app's dashboard; regenerate it: {layout.COMMAND}"


def test_the_picture_has_a_box_per_widget_at_its_place(drawn, body, groups):
    root = ElementTree.fromstring(drawn)  # noqa: S314 -- our own script's output
    assert root.tag == f"{SVG_NS}svg"
    assert root.find(f"{SVG_NS}title").text.startswith("CloudWatch dashboard GoActiveLearningBatch-batch-monitor")
    assert len(groups) == len(body["widgets"]) > 20
    for group, widget in zip(groups, body["widgets"], strict=True):
        rect = group.find(f"{SVG_NS}rect")
        assert (int(rect.get("x")), int(rect.get("y")), int(rect.get("width")), int(rect.get("height"))) == (
            layout.MARGIN_LEFT + widget["x"] * layout.UNIT_X + layout.GAP,
            layout.HEADER + widget["y"] * layout.UNIT_Y + layout.GAP,
            widget["width"] * layout.UNIT_X - 2 * layout.GAP,
            widget["height"] * layout.UNIT_Y - 2 * layout.GAP,
        )


def test_the_widgets_lie_in_the_24_column_grid_without_overlapping(body):
    boxes = layout.widgets(body)
    assert [b for b in boxes if not (b.x >= 0 and b.y >= 0 and b.width >= 1 and b.height >= 1 and b.x + b.width <= 24)] == []
    overlapping = [
        (a.title, b.title)
        for a, b in combinations(boxes, 2)
        if a.x < b.x + b.width and b.x < a.x + a.width and a.y < b.y + b.height and b.y < a.y + a.height
    ]
    assert overlapping == []


def test_every_widget_shows_its_title_in_full(body, groups):
    """Titles (a text widget's first markdown line) are wrapped, never cut; each box's tooltip is its title."""
    for group, widget in zip(groups, body["widgets"], strict=True):
        title = widget["properties"].get("title") or widget["properties"]["markdown"].split("\n")[0].lstrip("# ")
        assert group.find(f"{SVG_NS}title").text == title
        assert "".join(_texts(group, "title")).replace(" ", "") == title.replace(" ", "")


def test_alarm_widgets_name_their_alarms(default_app, body, groups):
    names = {
        f"${{GetAtt:{layout.readable_id(k)}.Arn}}": v["Properties"]["AlarmName"]
        for k, v in default_app.template_json["Resources"].items()
        if v["Type"] == "AWS::CloudWatch::Alarm"
    }
    shown = [
        (names[alarm], "".join(_texts(group)))
        for group, widget in zip(groups, body["widgets"], strict=True)
        for alarm in widget["properties"].get("annotations", {}).get("alarms", [])
    ]
    assert len(shown) >= 3
    assert [name for name, text in shown if name not in text] == []


def test_a_join_of_json_and_tokens_resolves_to_json_with_placeholders():
    join = {
        "Fn::Join": [
            "",
            [
                '{"widgets":[{"type":"metric","x":0,"y":0,"width":6,"height":6,"properties":{"region":"',
                {"Ref": "AWS::Region"},
                '","title":"Errors of \\"',
                {"Ref": "NotifierFunctionAF3DBB87"},
                '\\"","metrics":[["AWS/SQS","ApproximateNumberOfMessagesVisible","QueueName","',
                {"Fn::GetAtt": ["NotifierQueueC94A553E", "QueueName"]},
                '"]],"annotations":{"alarms":[',
                {"Fn::GetAtt": ["MonitorMissedRunfetchentriesCFA45001", "Arn"]},
                ']},"cluster":"AWSBatch-',
                {"Fn::Select": [1, {"Fn::Split": ["/", {"Fn::GetAtt": ["ClusterSpotF46F3428", "ComputeEnvironmentArn"]}]}]},
                '"}}]}',
            ],
        ]
    }
    assert json.loads(layout.resolve_join(join)) == {
        "widgets": [
            {
                "type": "metric",
                "x": 0,
                "y": 0,
                "width": 6,
                "height": 6,
                "properties": {
                    "region": "${AWS::Region}",
                    "title": 'Errors of "${Ref:NotifierFunction}"',
                    "metrics": [
                        ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", "${GetAtt:NotifierQueue.QueueName}"]
                    ],
                    "annotations": {"alarms": ["${GetAtt:MonitorMissedRunfetchentries.Arn}"]},
                    "cluster": "AWSBatch-${GetAtt:ClusterSpot.ComputeEnvironmentArn|split(/)[1]}",
                },
            }
        ]
    }
    assert layout.resolve_join('{"widgets":[]}') == '{"widgets":[]}'


@pytest.mark.parametrize(
    ("token", "placeholder"),
    [
        ({"Ref": "AWS::StackName"}, "${AWS::StackName}"),
        ({"Ref": "Parameter"}, "${Ref:Parameter}"),
        ({"Fn::GetAtt": "NotifierQueueC94A553E.Arn"}, "${GetAtt:NotifierQueue.Arn}"),
        ({"Fn::Select": [1, ["a", {"Ref": "AWS::Region"}]]}, "${AWS::Region}"),
        ({"Fn::ImportValue": "Shared-Queue"}, "${ImportValue(Shared-Queue)}"),
    ],
)
def test_placeholders_are_readable(token, placeholder):
    assert layout.placeholder(token) == placeholder


def test_long_text_is_wrapped_inside_the_box_and_cut_with_an_ellipsis():
    lines = layout.wrap("label: ApproximateNumberOfMessagesVisible QueueName=${GetAtt:NotifierQueue.QueueName}", 20, 3)
    assert all(len(line) <= 20 for line in lines)
    assert len(lines) == 3 and lines[-1].endswith("…")
    assert layout.wrap("short text", 20, 3) == ["short text"]


def test_an_assembly_without_a_dashboard_is_exit_2(tmp_path, capsys):
    (tmp_path / "manifest.json").write_text(json.dumps({"artifacts": {}}))
    assert layout.main([str(tmp_path)]) == 2
    assert "0 stacks with a dashboard" in capsys.readouterr().err
