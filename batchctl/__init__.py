"""batchctl: find the app's AWS Batch jobs, read their logs and run one now, from a terminal.

The tool never imports aws_cdk, and imports boto3 and rich only inside the
command that needs them, so ``batchctl --help`` answers at once.
"""

__version__ = "0.1.0"
