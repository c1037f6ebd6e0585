"""Commands to a COMaster (0x03 port bit set/reset, 0x13 logical-port control): the frame
and the judging of its echo, sans I/O. :meth:`~.client.PollClient.send_command` carries
them through the connection keeper, ahead of the next poll.

The COMaster echoes a command with the addresses swapped; a 0x13 echo whose bit is 0xFF
reports that the command failed (protocol page, section 4).
"""

from __future__ import annotations

from dataclasses import dataclass

from .constants import Command
from .encode import encode_logical_port_command, encode_port_command
from .messages import Frame, LogicalPortCommand, PortCommand


@dataclass(frozen=True, slots=True)
class FieldCommand:
    """Set (``state`` 1) or reset (0) ``bit`` of ``port``: a port bit (0x03) or, when
    ``logical``, a logical port (0x13)."""

    port: int
    bit: int
    state: int
    logical: bool = False

    @property
    def cmd(self) -> int:
        return Command.LOGICAL_PORT if self.logical else Command.PORT

    def frame(self, dst: int, src: int, seq: int) -> bytes:
        if self.logical:
            return encode_logical_port_command(
                dst, src, seq, port=self.port, bit=self.bit, state=self.state
            )
        return encode_port_command(dst, src, seq, port=self.port, bit=self.bit, state=self.state)


@dataclass(frozen=True, slots=True)
class CommandEcho:
    """The COMaster's echo: ``ok`` False when it reported the command failed."""

    ok: bool
    detail: str = ""


def judge_echo(command: FieldCommand, frame: Frame) -> CommandEcho | str:
    """The echo's verdict, or a text saying why the frame is no echo of ``command``."""
    if frame.cmd != command.cmd:
        return f"answer to command 0x{command.cmd:02X} with command 0x{frame.cmd:02X}"
    payload = frame.payload
    if isinstance(payload, LogicalPortCommand) and command.logical:
        if payload.failed:
            return CommandEcho(False, "the COMaster reports the command failed (error echo)")
        same = (payload.port, payload.bit, payload.state) == (
            command.port,
            command.bit,
            command.state,
        )
    elif isinstance(payload, PortCommand) and not command.logical:
        same = (payload.port, payload.bit, payload.state) == (
            command.port,
            command.bit,
            command.state,
        )
    else:
        return "echo without a command payload"
    return CommandEcho(True) if same else "echo differs from the command sent"
