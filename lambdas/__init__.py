"""Runtime code of the Lambda functions, one package per function (no aws_cdk imports), and ``common``.

``common`` is what the functions share (reading job details, console links, metric
names, durations); batchctl uses it too. Each function's asset is this folder with
only the function's own package and ``common`` in it, and its handler is
``<package>.handler.handler``: in Lambda both packages are top-level, in tests and
in batchctl they import as ``lambdas.<package>`` and ``lambdas.common``. So a
function's modules import their siblings relatively, and ``common`` through their
package (``from . import common``), whose ``__init__.py`` finds it either way.
"""
