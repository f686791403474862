"""Runtime code of the Lambda functions, one package per function (no aws_cdk imports), and ``common``.

This folder installs as the package ``batch_stack_lambdas``, not ``lambdas``: many CDK
apps have a ``lambdas`` package of their own, which would shadow it.

``common`` is what the functions share (reading job details, console links, metric
names, durations); batchctl uses it too. Each function's asset is this folder with
only the function's own package and ``common`` in it, and its handler is
``<package>.handler.handler``: in Lambda both packages are top-level, in tests and
in batchctl they import as ``batch_stack_lambdas.<package>`` and
``batch_stack_lambdas.common``. So a function's modules import their siblings
relatively, and ``common`` through their package (``from . import common``), whose
``__init__.py`` finds it either way.
"""
