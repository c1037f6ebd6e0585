"""The connection keeper every field client is built on.

- ``keeper``: :class:`Keeper`, the sans-I/O state machine (schedule, timeout, retry,
  give-up, backoff, reconnect, one request in flight, commands ahead of polls), with
  :class:`LinkSettings` and the :class:`Conversation` a field client implements.
- ``client``: :class:`FieldClient`, the base of a field client (start, stop, the reports
  every client forwards alike).
- ``scheduling``: the fixed-rate poll schedule and the reconnect backoff.
- ``wire``: the thin Twisted protocol and factory that carry bytes to and from a keeper.
- ``errors``: :class:`LinkError` and :class:`RequestFailed`.

A field client adds only what is its own: framing, requests, the judging of replies.
"""

from .client import FieldClient, LinkSink
from .errors import LinkError, RequestFailed
from .keeper import Answer, Conversation, FailedTry, Keeper, LinkSettings, Unusable
from .wire import LinkFactory, LinkProtocol, tcp_dialer

__all__ = [
    "Answer",
    "Conversation",
    "FailedTry",
    "FieldClient",
    "Keeper",
    "LinkError",
    "LinkFactory",
    "LinkProtocol",
    "LinkSettings",
    "LinkSink",
    "RequestFailed",
    "Unusable",
    "tcp_dialer",
]
