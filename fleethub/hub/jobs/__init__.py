"""Long-running, resumable, leased work: scheduled jobs, registry import/export, hub imports."""
