"""The stack's outputs are what batchctl reads: resolve them as CloudFormation would and parse them with batchctl."""

from __future__ import annotations

from batchctl.names import from_outputs


def resolve(node, template: dict, region: str = "ap-northeast-1"):
    """Resolve the intrinsics an output uses, with each resource's name property standing in for its Ref."""
    resources = template["Resources"]
    if isinstance(node, str | list):
        return node
    if "Ref" in node:
        if node["Ref"] == "AWS::Region":
            return region
        properties = resources[node["Ref"]].get("Properties", {})
        return properties.get("JobQueueName") or properties.get("LogGroupName") or f"generated-{node['Ref']}"
    if "Fn::GetAtt" in node and node["Fn::GetAtt"][1] == "JobQueueArn":
        name = resources[node["Fn::GetAtt"][0]]["Properties"]["JobQueueName"]
        return f"arn:aws:batch:{region}:123456789012:job-queue/{name}"
    if "Fn::Split" in node:
        separator, value = node["Fn::Split"]
        return resolve(value, template, region).split(separator)
    if "Fn::Select" in node:
        index, values = node["Fn::Select"]
        return resolve(values, template, region)[index]
    if "Fn::Join" in node:
        separator, parts = node["Fn::Join"]
        return separator.join(resolve(part, template, region) for part in parts)
    raise AssertionError(f"an output uses an intrinsic batchctl's test cannot resolve: {node}")


def test_batchctl_reads_the_default_stacks_outputs(default_app):
    template = default_app.template_json
    outputs = {key: resolve(output["Value"], template) for key, output in template["Outputs"].items()}
    names = from_outputs(outputs, "GoActiveLearningBatch")

    assert names.queues == ("go-active-learning", "go-active-learning-spot", "go-active-learning-fargate")
    assert set(names.jobs) == {"update_recommendation", "train_classifier", "fetch_entries"}
    original = names.job("update_recommendation")
    assert (original.job_name, original.job_queue, original.job_definition) == (
        "update_recommendation",
        "go-active-learning",
        "update_recommendation",
    )
    assert original.parameters == {"Arg2": "from-EventBridge-Scheduler"}
    assert names.job("train_classifier").concurrency_policy == "FORBID"
    assert names.job("train_classifier").job_queue == "go-active-learning-spot"
    assert names.job("fetch_entries").job_queue == "go-active-learning-fargate"
    assert original.log_group.startswith("generated-JobupdaterecommendationLogs")
    assert names.dashboard_url == (
        "https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-1"
        "#dashboards:name=GoActiveLearningBatch-batch-monitor"
    )
