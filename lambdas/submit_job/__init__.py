"""Submit a scheduled AWS Batch job under a concurrency policy (FORBID or REPLACE)."""

# The code every function shares: batch_stack_lambdas.common in the repository and when installed, but a top-level
# common/ in this function's asset, whose root is lambdas/ with only this package and common in it
# (batch_stack.functions.function_code). Modules here use ``from . import common``.
if "." in __name__:
    from .. import common as common
else:
    import common as common
