"""The Mara source: COMasters polled over Mara (docs/poller.md)."""
