"""Posts AWS Batch failures, blocked queues and this app's alarms to a Slack incoming webhook.

The SQS queue of the BatchFailureNotifier delivers EventBridge events in batches;
each batch becomes one Slack message (``message.py``) posted at Slack's pace
(``slack.py``). ``handler.py`` is the entry point.
"""
