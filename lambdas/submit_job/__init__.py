"""Submit a scheduled AWS Batch job under a concurrency policy (FORBID or REPLACE)."""
