"""``make demo``'s printing: the Slack message as a reader sees it, and a missing assembly named."""

from __future__ import annotations

from emulator import demo, scenario


def test_the_slack_message_reads_as_its_title_then_its_blocks_with_links_as_labels():
    # The notifier's message shape: text, blocks, attachments with blocks (lambdas/notify_slack/message.py).
    body = {
        "text": "[FAILED] AWS Batch: FAILED: 1",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*AWS Batch notifier: 1 event*"}}],
        "attachments": [
            {
                "color": "danger",
                "blocks": [
                    {
                        "type": "section",
                        "text": {
                            "type": "mrkdwn",
                            "text": "*<https://console/jobs/1|train_classifier>* exit code 137\n```\nline in &lt;module&gt;\n```",
                        },
                    }
                ],
            }
        ],
    }
    assert demo.slack_text(body) == [
        "[FAILED] AWS Batch: FAILED: 1",
        "",
        "*AWS Batch notifier: 1 event*",
        "",
        "*train_classifier* exit code 137",
        "",
        "line in <module>",
    ]


def test_the_gauges_are_one_line_per_queue_with_the_job_counts_only():
    outcome = scenario.Outcome(
        gauges_while_active={("q", "SubmittedJobs"): 1.0, ("q", "RunningJobs"): 0.0, ("q", "ListJobsCalls"): 5.0}
    )
    assert demo.gauge_lines(outcome) == [f"  {'q':<28} Submitted 1, Running 0"]


def test_without_a_cloud_assembly_it_says_to_synthesize_first(tmp_path, capsys):
    assert demo.main([str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"demo: {tmp_path / 'manifest.json'} does not exist: run make synth first\n"
