"""An Eastron SDM630 energy meter of one flat, simulated with no I/O.

Its registers are those of the meter's register map (``fixtures/modbus/sdm630.json``):
input registers for the measurements, holding registers for the settings; a read that
touches any other register gets exception 2, as does a write to a register that is not a
writable setting. It speaks functions 3, 4 and 16 only (exception 1 for the others).

The load follows the flat's daily profile (a base load, a morning and an evening peak, and
for a producer flat solar generation around noon that can make it export), split over the
three phases with some noise. Energy counters integrate that power over simulated time in
steps of at most :data:`STEP` seconds (kept as 64-bit floats, sent as 32-bit ones), so they
only ever increase and agree with power x time. They start where a meter that has been
counting for some years stands (the flat's daily profile times the days in service), as
real meters do when a system is first connected to them, not at 0 kWh.
"""

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from protocols.simulation.clock import SimulatedClock

from ..constants import ExceptionCode, FunctionCode, Table
from ..datatypes import Value
from ..points import Point
from ..register_map import RegisterMap
from .core import DeviceException

STEP = 60.0
NOISE_TIME = 300.0
NOISE_SPREAD = 0.05
POWER_FACTOR = 0.95
_SIN_PHI = math.sqrt(1 - POWER_FACTOR**2)
NOMINAL_VOLTAGE = 230.0
BAUD_CODES = (0, 1, 2, 3, 4)
ENERGY_TAGS = ("IMP_KWH", "EXP_KWH", "IMP_KVARH", "EXP_KVARH", "KVAH")
PHASE_ENERGY_TAGS = tuple(f"{kind}_KWH_L{n}" for kind in ("IMP", "EXP") for n in (1, 2, 3))
YEARS_IN_SERVICE = (2.0, 12.0)
"""A meter has counted for a random span within these many years when the simulation starts."""
DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class LoadProfile:
    """A flat's daily load: watts as a function of the hour of the day."""

    base: float
    peak: float
    solar_peak: float
    shares: tuple[float, float, float]

    @classmethod
    def random(cls, rng: random.Random, producer: bool) -> "LoadProfile":
        weights = [rng.uniform(0.6, 1.4) for _ in range(3)]
        total = sum(weights)
        shares = (weights[0] / total, weights[1] / total, weights[2] / total)
        return cls(
            base=rng.uniform(150, 450),
            peak=rng.uniform(1500, 4000),
            solar_peak=rng.uniform(3000, 6000) if producer else 0.0,
            shares=shares,
        )

    def phase_powers(self, hour: float) -> tuple[float, float, float]:
        """Net active power of each phase (negative while exporting)."""
        demand = self.base + self.peak * (_bump(hour, 7.5, 1.0) + 1.3 * _bump(hour, 19.5, 1.6))
        solar = self.solar_peak * max(0.0, math.sin(math.pi * (hour - 6.0) / 14.0))
        return (
            demand * self.shares[0] - solar / 3,
            demand * self.shares[1] - solar / 3,
            demand * self.shares[2] - solar / 3,
        )


class Sdm630Meter:
    """One simulated meter."""

    functions = frozenset(
        {
            FunctionCode.READ_HOLDING_REGISTERS,
            FunctionCode.READ_INPUT_REGISTERS,
            FunctionCode.WRITE_MULTIPLE_REGISTERS,
        }
    )

    def __init__(
        self,
        name: str,
        register_map: RegisterMap,
        clock: SimulatedClock,
        rng: random.Random,
        profile: LoadProfile,
        serial: int,
    ) -> None:
        self.name = name
        self.register_map = register_map
        self.profile = profile
        self._clock = clock
        self._rng = rng
        self._time = clock.seconds()
        self._points = {entry.point.tag: entry.point for entry in register_map.entries}
        self._layout = _layout(self._points.values())
        self._held: set[str] = set()
        self._load: tuple[float, float, float] | None = None
        self._noise = [1.0, 1.0, 1.0]
        self.values: dict[str, float] = dict.fromkeys(self._points, 0.0)
        self.values.update(
            PASSWORD=0.0,
            BAUD=2.0,
            SERIAL_HI=float(serial // 0x10000),
            SERIAL_LO=float(serial % 0x10000),
        )
        self._count_years_in_service()
        self._powers = self.profile.phase_powers(_hour(clock.at(self._time)))
        self._measure(clock.at(self._time), self._powers)

    # Modbus access.

    def read(self, table: Table, address: int, count: int) -> list[int]:
        self.update()
        words = []
        for register in range(address, address + count):
            place = self._layout.get((table, register))
            if place is None:
                raise DeviceException(ExceptionCode.ILLEGAL_DATA_ADDRESS, f"no register {register}")
            point, index = place
            words.append(point.format.encode_registers(self.values[point.tag])[index])
        return words

    def write(self, table: Table, address: int, values: Sequence[int] | Sequence[bool]) -> None:
        self.update()
        changes: dict[str, float] = {}
        register = address
        while register < address + len(values):
            place = self._layout.get((table, register))
            if place is None or place[1] != 0 or not place[0].writable:
                raise DeviceException(
                    ExceptionCode.ILLEGAL_DATA_ADDRESS, f"{register} is read-only"
                )
            point = place[0]
            words = values[register - address : register - address + point.count]
            if len(words) != point.count:
                raise DeviceException(ExceptionCode.ILLEGAL_DATA_ADDRESS, "half a value")
            changes[point.tag] = float(point.format.decode_registers([int(w) for w in words]))
            register += point.count
        for tag, value in changes.items():
            _check_setting(tag, value)
        self.values.update(changes)

    # Control interface.

    def set_value(self, tag: str, value: Value, hold: bool = True) -> None:
        """Set a point by its unprefixed map tag. Held, it stays at that value (an energy
        counter stops counting) until set again with ``hold`` false."""
        self.update()
        if tag not in self._points:
            raise KeyError(f"{self.register_map.name} has no point {tag!r}")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"a meter value is a number, not {value!r}")
        self.values[tag] = float(value)
        (self._held.add if hold else self._held.discard)(tag)

    def set_load(self, watts: tuple[float, float, float] | None) -> None:
        """Hold each phase's active power at a fixed value (negative: exporting), with no
        noise, or follow the daily profile again (``None``)."""
        self.update()
        self._load = watts
        if watts is not None:
            self._powers = watts
            self._measure(self._clock.at(self._time), watts)

    def state(self) -> dict[str, Any]:
        self.update()
        return {
            "seconds": round(self._time, 3),
            "values": dict(self.values),
            "held": sorted(self._held),
            "load": list(self._load) if self._load is not None else None,
        }

    # The model.

    def update(self) -> None:
        """Integrate the energy counters up to the clock's time."""
        target = self._clock.seconds()
        while self._time < target:
            step = min(STEP, target - self._time)
            self._powers = self._load or self._profile_powers(self._time + step / 2, step)
            self._integrate(self._powers, step)
            self._time += step
        self._measure(self._clock.at(self._time), self._powers)

    def _count_years_in_service(self) -> None:
        """Start the energy counters where years of the flat's daily profile take them."""
        days = DAYS_PER_YEAR * self._rng.uniform(*YEARS_IN_SERVICE)
        for hour in range(24):
            self._integrate(self.profile.phase_powers(hour + 0.5), 3600.0 * days)

    def _profile_powers(self, seconds: float, step: float) -> tuple[float, float, float]:
        """The profile's power at a simulated time, with a little mean-reverting noise
        (about 5 % after a few minutes, hardly any between two quick reads)."""
        profile = self.profile.phase_powers(_hour(self._clock.at(seconds)))
        noise = self._noise
        pull = 1.0 - math.exp(-step / NOISE_TIME)
        spread = NOISE_SPREAD * math.sqrt(step / NOISE_TIME)
        for phase in range(3):
            noise[phase] += pull * (1.0 - noise[phase]) + self._rng.gauss(0.0, spread)
        return (profile[0] * noise[0], profile[1] * noise[1], profile[2] * noise[2])

    def _integrate(self, powers: tuple[float, float, float], seconds: float) -> None:
        hours = seconds / 3600.0
        increments: dict[str, float] = dict.fromkeys((*ENERGY_TAGS, *PHASE_ENERGY_TAGS), 0.0)
        for phase, power in enumerate(powers, start=1):
            kwh = abs(power) * hours / 1000.0
            direction = "IMP" if power >= 0 else "EXP"
            increments[f"{direction}_KWH_L{phase}"] += kwh
            increments[f"{direction}_KWH"] += kwh
            increments[f"{direction}_KVARH"] += kwh / POWER_FACTOR * _SIN_PHI
            increments["KVAH"] += kwh / POWER_FACTOR
        for tag, increment in increments.items():
            if tag not in self._held:
                self.values[tag] += increment

    def _measure(self, now: datetime, powers: tuple[float, float, float]) -> None:
        """The instantaneous readings that go with ``powers``."""
        rng = self._rng
        readings: dict[str, float] = {"FREQ": 50.0 + rng.uniform(-0.05, 0.05)}
        for phase, power in enumerate(powers, start=1):
            voltage = NOMINAL_VOLTAGE + 2.0 * math.sin(phase + now.hour) + rng.uniform(-0.5, 0.5)
            readings[f"V{phase}"] = voltage
            readings[f"I{phase}"] = abs(power) / (voltage * POWER_FACTOR)
            readings[f"P{phase}"] = power
            readings[f"THD_V{phase}"] = (
                2.0 + 0.8 * math.sin(now.hour / 3 + phase) + rng.uniform(-0.1, 0.1)
            )
        readings["THD_VAVG"] = sum(readings[f"THD_V{n}"] for n in (1, 2, 3)) / 3
        for tag, value in readings.items():
            if tag not in self._held:
                self.values[tag] = value


def _layout(points: Iterable[Point]) -> dict[tuple[Table, int], tuple[Point, int]]:
    """Each register of the map: the point it belongs to and its word within it."""
    layout = {}
    for point in points:
        for index in range(point.count):
            layout[(point.table, point.address + index)] = (point, index)
    return layout


def _check_setting(tag: str, value: float) -> None:
    if tag == "BAUD" and value not in BAUD_CODES:
        raise DeviceException(ExceptionCode.ILLEGAL_DATA_VALUE, "baud-rate code 0..4")
    if tag == "PASSWORD" and not (value.is_integer() and 0 <= value <= 9999):
        raise DeviceException(ExceptionCode.ILLEGAL_DATA_VALUE, "a password is 0000..9999")


def _hour(when: datetime) -> float:
    return when.hour + when.minute / 60 + when.second / 3600


def _bump(hour: float, centre: float, width: float) -> float:
    return math.exp(-(((hour - centre) / width) ** 2))
