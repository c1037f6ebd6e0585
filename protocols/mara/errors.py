"""The one error hierarchy of the Mara package.

Every problem a frame can have on the wire is a :class:`MaraError`; callers catch that
and nothing else. Low-level errors (``struct.error``, Construct's errors, ``ValueError``)
are turned into these at the package boundary.
"""


class MaraError(Exception):
    """Base class of everything wrong with a Mara frame or with what was asked to encode."""


class BadStartOfFrame(MaraError):
    """The first byte is not the start-of-frame byte 0xFE."""


class BadQuantity(MaraError):
    """QTY is out of range (8..253) or disagrees with the number of bytes received."""


class BadChecksum(MaraError):
    """The BCC does not match the frame's bytes."""


class Truncated(MaraError):
    """Too few bytes to hold even the smallest frame."""


class BadPayload(MaraError):
    """Framing is sound but the payload does not have the layout its command requires."""


class UnexpectedPayload(MaraError):
    """A sound frame whose payload is not the kind its reader expected (see
    :meth:`~.messages.Frame.payload_as`)."""


class EncodeError(MaraError):
    """A value cannot be put on the wire (out of range, payload too long, impossible time)."""
