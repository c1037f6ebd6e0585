"""What every field simulator shares, apart from production code; a simulator's own folder
(``protocols/mara/simulator``, ``protocols/modbus/simulator``) adds only its device, its
wire format and its own control commands.

- ``clock``: :class:`SimulatedClock`, reactor time, accelerated, moved by time sets or jumps.
- ``faults``: :class:`FaultSettings` and what they do to each reply (no I/O).
- ``delivery``: writing each reply as the faults decided: delayed, split, or closing.
- ``server``: the Twisted protocol and factory base that send replies through the faults.
- ``control_lines``: the JSON-lines control interface and a simulator's command table.
- ``fault_control``: the control commands about faults (``set_faults``, ``stop``,
  ``resume``).
- ``runner``: :class:`RunningSimulator`, listening, announcing and stopping.
- ``cli``: the command-line options and the run loop every simulator's ``__main__`` shares.
"""
