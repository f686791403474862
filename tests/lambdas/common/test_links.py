"""common.links: the console pages the notifier links to and batchctl prints."""

from __future__ import annotations

from batch_stack_lambdas import common

JOB_ID = "4c7599ae-0a82-49aa-ba5a-4727fcce14a8"


def test_a_job_links_to_its_regions_batch_console():
    assert common.console_url("us-east-1", JOB_ID) == (
        f"https://us-east-1.console.aws.amazon.com/batch/home?region=us-east-1#jobs/detail/{JOB_ID}"
    )
    assert common.console_url("", JOB_ID) == f"https://console.aws.amazon.com/batch/home#jobs/detail/{JOB_ID}"


def test_an_array_childs_colon_stays_and_a_nodes_hash_is_encoded_unless_kept():
    assert common.console_url("us-east-1", f"{JOB_ID}:7").endswith(f"#jobs/detail/{JOB_ID}:7")
    assert common.console_url("us-east-1", f"{JOB_ID}#1").endswith(f"#jobs/detail/{JOB_ID}%231")
    assert common.console_url("us-east-1", f"{JOB_ID}#1", safe=":#").endswith(f"#jobs/detail/{JOB_ID}#1")


def test_a_log_stream_link_encodes_its_names_twice_with_dollars():
    url = common.log_url("ap-northeast-1", "/aws/batch/job", "update_recommendation/default/abc")
    assert url == (
        "https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-1"
        "#logsV2:log-groups/log-group/$252Faws$252Fbatch$252Fjob/log-events/update_recommendation$252Fdefault$252Fabc"
    )


def test_an_alarm_links_to_its_page_with_its_name_encoded():
    assert common.alarm_url("us-east-1", "App-Monitor/Runnable backlog") == (
        "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/App-Monitor%2FRunnable%20backlog"
    )
