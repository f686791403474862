"""Runtime code of the Lambda functions, one package per function (no aws_cdk imports).

Each function's asset is this folder with only its own package in it, and its
handler is ``<package>.handler.handler``; so code inside a function imports its
siblings relatively, and the same modules import as ``lambdas.<package>`` in tests
and in the batchctl tool.
"""
