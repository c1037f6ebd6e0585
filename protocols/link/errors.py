"""The errors of the connection keeper: one base class, so a caller can catch them all."""


class LinkError(Exception):
    """Base class of what goes wrong between the keeper and a field device."""


class RequestFailed(LinkError):
    """A request got no answer: every try failed, the connection went away while it
    waited, or the device is not connected. A field client turns this into its own
    protocol's error at its boundary."""
