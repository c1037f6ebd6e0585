"""The historian: rollups of the poller's samples, the scheduled jobs process and the
history API (issue 12)."""
