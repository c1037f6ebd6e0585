"""The detector's devices as plain objects: what they publish and what commands do to them.

A :class:`PowerSupply` (``hv`` or ``lv``) has channels with a requested voltage (``vreq``,
what ``/<name>/status`` reports) and an output voltage that ramps toward it at
``ramp_rate`` volts per second while the channel is on. Its commands arrive on
``/<name>/cmd/setv/<channel>`` (a number) and ``/<name>/cmd/switch/<channel>`` (``on`` or
``off``); a bad device, command, channel or payload is rejected with a reason, and nothing
changes. The wire (publishing every second, subscribing to the command topics) is the
runner's; everything here is tested without a broker.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass, field


class Rejected(ValueError):
    """A command the device refuses; the device carries on."""


@dataclass
class Channel:
    number: int
    on: bool = False
    vreq: float = 0.0
    vout: float = 0.0


@dataclass
class PowerSupply:
    """A multi-channel supply: ``/<name>/status`` is a list of ``{number, on, vreq}``."""

    name: str
    channels: list[Channel]
    max_voltage: float
    ramp_rate: float
    """Volts per second of the output toward the request."""

    @classmethod
    def create(cls, name: str, count: int, max_voltage: float, ramp_rate: float) -> PowerSupply:
        return cls(name, [Channel(n) for n in range(count)], max_voltage, ramp_rate)

    @property
    def status_topic(self) -> str:
        return f"/{self.name}/status"

    @property
    def command_filter(self) -> str:
        return f"/{self.name}/cmd/#"

    def status(self) -> bytes:
        return json.dumps(
            [{"number": c.number, "on": int(c.on), "vreq": c.vreq} for c in self.channels]
        ).encode()

    def command(self, topic: str, payload: bytes) -> None:
        """Obey a command, or raise :class:`Rejected` and change nothing."""
        parts = topic.split("/")
        if len(parts) != 5 or parts[0] or parts[1] != self.name or parts[2] != "cmd":
            raise Rejected(f"not a command of {self.name}: {topic!r}")
        verb, number = parts[3], parts[4]
        channel = self._channel(number)
        try:
            text = payload.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise Rejected("the payload is not text") from None
        if verb == "setv":
            channel.vreq = self._voltage(text)
        elif verb == "switch":
            if text not in ("on", "off"):
                raise Rejected(f"switch takes on or off, not {text[:20]!r}")
            channel.on = text == "on"
        else:
            raise Rejected(f"unknown command {verb!r}")

    def operate_at(self, volts: float) -> None:
        """Every channel on at ``volts``, already reached (the demo starts running)."""
        for channel in self.channels:
            channel.on, channel.vreq, channel.vout = True, volts, volts

    def advance(self, seconds: float) -> None:
        """Move each output toward its request (or 0 when off) for ``seconds``."""
        step = self.ramp_rate * seconds
        for channel in self.channels:
            target = channel.vreq if channel.on else 0.0
            gap = target - channel.vout
            channel.vout = target if abs(gap) <= step else channel.vout + math.copysign(step, gap)

    def _channel(self, number: str) -> Channel:
        if not number.isdigit() or int(number) >= len(self.channels):
            raise Rejected(f"{self.name} has no channel {number[:10]!r}")
        return self.channels[int(number)]

    def _voltage(self, text: str) -> float:
        try:
            volts = float(text)
        except ValueError:
            raise Rejected(f"setv takes a number, not {text[:20]!r}") from None
        if not math.isfinite(volts) or not 0.0 <= volts <= self.max_voltage:
            raise Rejected(f"setv takes 0 to {self.max_voltage:g} V, not {text[:20]!r}")
        return volts


@dataclass
class EnvironmentSensor:
    """``sensor_1``: ``/sensor_1/status`` as ``{"meas1": float, "meas2": float}``."""

    name: str = "sensor_1"
    rng: random.Random = field(default_factory=lambda: random.Random(7))

    @property
    def status_topic(self) -> str:
        return f"/{self.name}/status"

    def status(self) -> bytes:
        return json.dumps(
            {
                "meas1": round(20 + self.rng.gauss(0, 0.2), 3),
                "meas2": round(45 + self.rng.gauss(0, 1), 3),
            }
        ).encode()


@dataclass
class TemperatureHumiditySensor:
    """``/sensor/<name>/temperature`` and ``.../humidity`` as ``{sensor, measurement, value}``."""

    name: str
    rng: random.Random = field(default_factory=lambda: random.Random(11))

    def readings(self) -> list[tuple[str, bytes]]:
        values = {
            "temperature": round(21 + self.rng.gauss(0, 0.3), 2),
            "humidity": round(40 + self.rng.gauss(0, 1.5), 1),
        }
        return [
            (
                f"/sensor/{self.name}/{measurement}",
                json.dumps(
                    {"sensor": self.name, "measurement": measurement, "value": value}
                ).encode(),
            )
            for measurement, value in values.items()
        ]


NOMINAL_VOLTS = {"hv": 1500.0, "lv": 5.0}
"""The demo detector's operating voltages (``--nominal``); its alarms' bands are around them."""


def detector_devices() -> tuple[
    list[PowerSupply], EnvironmentSensor, list[TemperatureHumiditySensor]
]:
    """The detector of the demo: HV and LV supplies with 4 channels, sensor_1, two sensors."""
    supplies = [
        PowerSupply.create("hv", 4, max_voltage=2000.0, ramp_rate=50.0),
        PowerSupply.create("lv", 4, max_voltage=12.0, ramp_rate=2.0),
    ]
    return supplies, EnvironmentSensor(), [TemperatureHumiditySensor(n) for n in ("th1", "th2")]
