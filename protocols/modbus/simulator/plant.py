"""The SBR wastewater plant behind the Twido PLC, simulated with no I/O.

The cycle steps through aerated fill, aeration, settling and discharge with the durations
of the program in use (registers 8..20, minutes), and starts again. While filling the level
rises to the high-level setpoint (register 25), reached as the fill ends; while discharging
it falls back to the low mark, reached as the discharge ends, and the discharged volume adds
to the treated-volume counters; oxygen approaches its aerated level while air is blown (the
aerated phases, or a blower started by hand) and decays otherwise; turbidity drifts. State
is integrated in steps of at most :data:`STEP` simulated seconds whenever the plant is
asked, so phase changes land exactly on their boundaries whatever the clock speed.

Alarm coils are either injected (control interface) or computed: high level in the SBR
tank (coil 5), oxygen out of range (coil 20) and turbidity out of range (coil 21). Coil 0
("no alarm") is 1 exactly while no alarm coil (1, 3..22) is set; a new alarm clears the
silence (coil 23). An emergency stop stops the cycle until it is released and the cycle
is started again. Command coils (30 stop, 31 start, 32 reset partial volume) act when
written 1 and read back 0. The blowers' run requests (coils 33, 34) keep what is written:
a requested blower runs, and its running coil (35, 36) follows, unless it is in fault
(coils 11, 12) or the emergency stop is pressed.
"""

import enum
import math
import random
from collections.abc import Sequence
from typing import Any

from protocols.simulation.clock import SimulatedClock

from ..constants import ExceptionCode, FunctionCode, Table
from ..datatypes import Value
from ..register_map import RegisterMap
from .core import DeviceException

SIZE = 33
"""Registers 0..32."""
COIL_SIZE = 37
"""Coils 0..32 of the PLC's page, and the blowers' 33..36 (this simulator's own)."""
STEP = 5.0
LEVEL_LOW = 2.0
LEVEL_ALARM = 5.0
LEVEL_MAX = 6.0
TANK_AREA = 200.0
"""Square metres: each metre of level discharged is 200 m3 of treated water."""
O2_AERATED, O2_AERATION_TAU = 3.0, 400.0
O2_IDLE, O2_DECAY_TAU = 0.2, 900.0
O2_ALARM_GRACE = 600.0
"""Seconds into aeration before oxygen out of range is an alarm (it starts low)."""
TURBIDITY_MEAN, TURBIDITY_TAU, TURBIDITY_NOISE = 8.0, 1800.0, 0.15

NO_ALARM, ESTOP, LEVEL_SBR, O2_ALARM, TURBIDITY_ALARM = 0, 1, 5, 20, 21
SILENCE, STOP, START, RESET_VOLUME = 23, 30, 31, 32
PHASE_COILS = 25
ALARM_COILS = (1, *range(3, 23))
COMMAND_COILS = frozenset({SILENCE, STOP, START, RESET_VOLUME})
INJECTABLE_COILS = frozenset(range(1, 23))
BLOWER_REQUESTS, BLOWER_RUNNING, BLOWER_FAULTS = (33, 34), (35, 36), (11, 12)
WRITABLE_COILS = COMMAND_COILS | set(BLOWER_REQUESTS)

LEVEL, OXYGEN, TURBIDITY, VOLUME_TOTAL, VOLUME_PARTIAL = 0, 1, 2, 3, 4
O2_MIN, O2_MAX, TURBIDITY_MAX, PROGRAM, DURATIONS, ELAPSED = 5, 6, 7, 8, 9, 21
LEVEL_SP = 25
WRITABLE_REGISTERS = frozenset({*range(O2_MIN, ELAPSED), LEVEL_SP})
LEVEL_SP_RANGE = range(round(LEVEL_LOW * 100) + 1, round(LEVEL_MAX * 100) + 1)
"""Raw high-level setpoints the PLC takes: above the low mark, up to the tank's top."""
DEFAULT_SETTINGS = {
    LEVEL_SP: 450,
    O2_MIN: 150,
    O2_MAX: 400,
    TURBIDITY_MAX: 30,
    PROGRAM: 1,
    **dict(
        zip(
            range(DURATIONS, ELAPSED),
            (60, 120, 45, 30, 90, 180, 60, 45, 30, 90, 40, 20),
            strict=True,
        )
    ),
}


class Phase(enum.IntEnum):
    FILL = 0
    AERATION = 1
    SETTLING = 2
    DISCHARGE = 3
    STOPPED = 4


class SbrPlant:
    """One simulated plant; its register map names the points the control interface
    sets."""

    functions = frozenset(FunctionCode)

    def __init__(
        self, name: str, register_map: RegisterMap, clock: SimulatedClock, rng: random.Random
    ) -> None:
        self.name = name
        self.register_map = register_map
        self._clock = clock
        self._rng = rng
        self._time = clock.seconds()
        self._settings = [DEFAULT_SETTINGS.get(address, 0) for address in range(SIZE)]
        self.phase = Phase.FILL
        self._phase_time = 0.0
        self._cycle_times = [0.0] * 4
        self.level = LEVEL_LOW
        self.oxygen = 0.5
        self.turbidity = TURBIDITY_MEAN
        self.volume_total = 0.0
        self.volume_partial = 0.0
        self._injected: set[int] = set()
        self._alarms: frozenset[int] = frozenset()
        self.silenced = False
        self.blowers_requested = [False] * len(BLOWER_REQUESTS)

    # Modbus access.

    def read(self, table: Table, address: int, count: int) -> list[int] | list[bool]:
        self.update()
        if address + count > (COIL_SIZE if table.is_bits else SIZE):
            raise DeviceException(ExceptionCode.ILLEGAL_DATA_ADDRESS)
        if table.is_bits:
            return self.coils()[address : address + count]
        return self.registers()[address : address + count]

    def write(self, table: Table, address: int, values: Sequence[int] | Sequence[bool]) -> None:
        self.update()
        addresses = range(address, address + len(values))
        if table is Table.COIL:
            if not set(addresses) <= WRITABLE_COILS:
                raise DeviceException(ExceptionCode.ILLEGAL_DATA_ADDRESS)
            for coil, value in zip(addresses, values, strict=True):
                self._command(coil, bool(value))
            return
        if not set(addresses) <= WRITABLE_REGISTERS:
            raise DeviceException(ExceptionCode.ILLEGAL_DATA_ADDRESS)
        for register, value in zip(addresses, values, strict=True):
            problem = _setting_problem(register, int(value))
            if problem:
                raise DeviceException(ExceptionCode.ILLEGAL_DATA_VALUE, problem)
        for register, value in zip(addresses, values, strict=True):
            self._settings[register] = int(value)
        self._refresh_alarms()

    # Control interface.

    def set_value(self, tag: str, value: Value) -> None:
        """Set a point by its map tag, in engineering units: inject an alarm (coils 1..22),
        jump to a phase (coils 25..29), act as a command or a blower's run request, or set a
        process value or a setting (registers 0..20, 25), from which the process goes on."""
        self.update()
        point = self.register_map.entry(tag).point
        if point.table is Table.COIL:
            self._set_coil(point.address, bool(value))
        else:
            (raw,) = point.format.encode_registers(value)
            self._set_register(point.address, raw)
        self._refresh_alarms()

    def state(self) -> dict[str, Any]:
        self.update()
        return {
            "seconds": round(self._time, 3),
            "phase": self.phase.name.lower(),
            "phase_seconds": round(self._phase_time, 3),
            "level": round(self.level, 4),
            "oxygen": round(self.oxygen, 4),
            "turbidity": round(self.turbidity, 4),
            "volume_total": round(self.volume_total, 3),
            "volume_partial": round(self.volume_partial, 3),
            "silenced": self.silenced,
            "blowers_running": [int(bit) for bit in self.blowers_running()],
            "injected": sorted(self._injected),
            "coils": [int(bit) for bit in self.coils()],
            "registers": self.registers(),
        }

    # The process.

    def coils(self) -> list[bool]:
        coils = [False] * COIL_SIZE
        for alarm in self._alarms:
            coils[alarm] = True
        coils[NO_ALARM] = not self._alarms
        coils[2] = 2 in self._injected
        coils[SILENCE] = self.silenced
        coils[PHASE_COILS + self.phase] = True
        for index, running in enumerate(self.blowers_running()):
            coils[BLOWER_REQUESTS[index]] = self.blowers_requested[index]
            coils[BLOWER_RUNNING[index]] = running
        return coils

    def blowers_running(self) -> list[bool]:
        """A requested blower runs unless it is in fault or the emergency stop is pressed:
        the PLC's interlock, so the running coil is the command's honest feedback."""
        return [
            requested and fault not in self._alarms and ESTOP not in self._alarms
            for requested, fault in zip(self.blowers_requested, BLOWER_FAULTS, strict=True)
        ]

    def registers(self) -> list[int]:
        registers = list(self._settings)
        registers[LEVEL] = _word(self.level * 100)
        registers[OXYGEN] = _word(self.oxygen * 100)
        registers[TURBIDITY] = _word(self.turbidity)
        registers[VOLUME_TOTAL] = _counter(self.volume_total)
        registers[VOLUME_PARTIAL] = _counter(self.volume_partial)
        for index, seconds in enumerate(self._cycle_times):
            registers[ELAPSED + index] = _word(seconds // 60)
        return registers

    def update(self) -> None:
        """Integrate the process up to the clock's time."""
        target = self._clock.seconds()
        while self._time < target:
            step = min(STEP, target - self._time)
            if self.phase is not Phase.STOPPED and self._cycle_length() > 0:
                left = self._duration(self.phase) - self._phase_time
                if left <= 0:
                    self._next_phase()
                    continue
                step = min(step, left)
            self._step(step)
            self._time += step
        self._refresh_alarms()

    def _step(self, dt: float) -> None:
        phase = self.phase
        # Filling and drawing move the level linearly to their mark, reached as the phase
        # ends: a setpoint written mid-phase bends the rest of the phase, never jumps.
        left = self._duration(phase) - self._phase_time if phase is not Phase.STOPPED else 0.0
        fraction = min(1.0, dt / left) if left > 0 else 0.0
        if phase is Phase.FILL:
            top = self._settings[LEVEL_SP] / 100
            self.level = min(LEVEL_MAX, self.level + max(0.0, top - self.level) * fraction)
        elif phase is Phase.DISCHARGE:
            drop = max(0.0, self.level - LEVEL_LOW) * fraction
            self.level -= drop
            self.volume_total += drop * TANK_AREA
            self.volume_partial += drop * TANK_AREA
        if phase in (Phase.FILL, Phase.AERATION) or any(self.blowers_running()):
            self.oxygen += (O2_AERATED - self.oxygen) * (1 - math.exp(-dt / O2_AERATION_TAU))
        else:
            self.oxygen += (O2_IDLE - self.oxygen) * (1 - math.exp(-dt / O2_DECAY_TAU))
        drift = (TURBIDITY_MEAN - self.turbidity) * dt / TURBIDITY_TAU
        noise = self._rng.gauss(0.0, TURBIDITY_NOISE * math.sqrt(dt))
        self.turbidity = max(0.0, self.turbidity + drift + noise)
        if phase is not Phase.STOPPED:
            self._phase_time += dt
            self._cycle_times[phase] += dt

    def _duration(self, phase: Phase) -> float:
        program = self._settings[PROGRAM]
        return 60.0 * self._settings[DURATIONS + 4 * (program - 1) + phase]

    def _cycle_length(self) -> float:
        return sum(self._duration(phase) for phase in Phase if phase is not Phase.STOPPED)

    def _next_phase(self) -> None:
        if self.phase is Phase.DISCHARGE:
            self._start_cycle()
        else:
            self.phase = Phase(self.phase + 1)
            self._phase_time = 0.0

    def _start_cycle(self) -> None:
        self.phase = Phase.FILL
        self._phase_time = 0.0
        self._cycle_times = [0.0] * 4

    def _command(self, coil: int, value: bool) -> None:
        if coil in BLOWER_REQUESTS:
            self.blowers_requested[BLOWER_REQUESTS.index(coil)] = value
        elif coil == SILENCE:
            self.silenced = value
        elif not value:
            return
        elif coil == STOP:
            self.phase = Phase.STOPPED
        elif coil == START and self.phase is Phase.STOPPED and ESTOP not in self._injected:
            self._start_cycle()
        elif coil == RESET_VOLUME:
            self.volume_partial = 0.0

    def _set_coil(self, coil: int, value: bool) -> None:
        if coil in INJECTABLE_COILS:
            (self._injected.add if value else self._injected.discard)(coil)
        elif coil in WRITABLE_COILS:
            self._command(coil, value)
        elif PHASE_COILS <= coil < PHASE_COILS + len(Phase) and value:
            self.phase = Phase(coil - PHASE_COILS)
            self._phase_time = 0.0
        else:
            raise ValueError(f"coil {coil} follows the process and cannot be set")

    def _set_register(self, register: int, raw: int) -> None:
        if register == LEVEL:
            self.level = raw / 100
        elif register == OXYGEN:
            self.oxygen = raw / 100
        elif register == TURBIDITY:
            self.turbidity = float(raw)
        elif register == VOLUME_TOTAL:
            self.volume_total = float(raw)
        elif register == VOLUME_PARTIAL:
            self.volume_partial = float(raw)
        elif register in WRITABLE_REGISTERS:
            problem = _setting_problem(register, raw)
            if problem:
                raise ValueError(problem)
            self._settings[register] = raw
        else:
            raise ValueError(f"register {register} follows the process and cannot be set")

    def _refresh_alarms(self) -> None:
        """Recompute the alarm coils; a new alarm ends the silence, an emergency stop
        stops the cycle."""
        settings = self._settings
        alarms = {coil for coil in self._injected if coil in ALARM_COILS}
        if self.level > LEVEL_ALARM:
            alarms.add(LEVEL_SBR)
        oxygen = round(self.oxygen * 100)
        if (
            self.phase is Phase.AERATION
            and self._phase_time >= O2_ALARM_GRACE
            and not settings[O2_MIN] <= oxygen <= settings[O2_MAX]
        ):
            alarms.add(O2_ALARM)
        if self.turbidity > settings[TURBIDITY_MAX]:
            alarms.add(TURBIDITY_ALARM)
        if alarms - self._alarms:
            self.silenced = False
        self._alarms = frozenset(alarms)
        if ESTOP in alarms:
            self.phase = Phase.STOPPED


def _setting_problem(register: int, raw: int) -> str:
    """Why the PLC refuses a setting (exception 3), or "" when it takes it."""
    if register == PROGRAM and not 1 <= raw <= 3:
        return "the program is 1..3"
    if register == LEVEL_SP and raw not in LEVEL_SP_RANGE:
        return f"the high level is {LEVEL_SP_RANGE.start}..{LEVEL_SP_RANGE.stop - 1} (x0.01 m)"
    return ""


def _counter(volume: float) -> int:
    """Whole m3 in a 16-bit counter that wraps. The discharge's float steps add up to a
    hair below a whole metre drawn; that hair is not a cubic metre less."""
    return int(volume + 1e-6) % 0x10000


def _word(value: float) -> int:
    return max(0, min(0xFFFF, round(value)))
