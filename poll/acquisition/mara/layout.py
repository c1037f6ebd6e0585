"""Where each configured point of one COMaster sits in a poll reply (docs/profile-format.md).

SV point = byte ``6 * ied_position + offset`` of the SV section (one bit of it when
``bit`` is set); the DIs of the COMaster sorted by (IED offset, DI offset) are the bits of
the DI words, least significant first; the AIs sorted the same way take the AI words in
order. Events name a DI by (IED address, port, bit) and an energy AI by (IED address,
channel).
"""

from __future__ import annotations

from poll.acquisition.history_policy import HistoryPolicy
from poll.acquisition.mara.config import ComasterConfig
from protocols.mara import PollReply
from protocols.mara.constants import SV_BLOCK_SIZE

DiMember = tuple[int, int, int]
"""(bit in its word, point id, inverted)"""
AiSlot = tuple[int, float, int]
"""(point id, escala, IED position)"""


class ComasterLayout:
    """Positions and event addresses of one COMaster's points."""

    def __init__(self, config: ComasterConfig) -> None:
        self.comaster_id = config.id
        self.profile_id = config.profile_id
        self.name = config.name
        self.sv: list[tuple[int, int, int | None]] = []  # point, byte, bit
        self.ai: list[AiSlot] = []  # position in the list = AI word
        self.di_by_address: dict[tuple[int, int, int], tuple[int, int]] = {}
        self.ai_by_channel: dict[tuple[int, int], int] = {}
        self.ied_by_address: dict[int, int] = {}
        self.ied_count = len(config.ieds)
        self.policies: dict[int, HistoryPolicy] = {}  # points with history
        digital: list[tuple[int, int]] = []  # position in the list = DI number
        for position, ied in enumerate(sorted(config.ieds, key=lambda ied: ied.offset)):
            self.ied_by_address[ied.address] = ied.id
            for point in ied.points:
                if point.history is not None:
                    self.policies[point.id] = point.history
                if point.kind == "sv":
                    self.sv.append((point.id, SV_BLOCK_SIZE * position + point.offset, point.bit))
                elif point.kind == "di":
                    digital.append((point.id, int(point.inverted)))
                    key = (ied.address, point.port or 0, point.bit or 0)
                    self.di_by_address[key] = (point.id, int(point.inverted))
                else:
                    self.ai.append((point.id, point.escala, position))
                    if point.channel is not None:
                        self.ai_by_channel[(ied.address, point.channel)] = point.id
        self.di_words: list[list[DiMember]] = [
            [(bit, *digital[16 * word + bit]) for bit in range(min(16, len(digital) - 16 * word))]
            for word in range(-(-len(digital) // 16))
        ]
        self.point_ids: list[int] = [
            *(row[0] for row in self.sv),
            *(row[0] for row in digital),
            *(row[0] for row in self.ai),
        ]
        self._sv_needed = max((byte + 1 for _, byte, _ in self.sv), default=0)

    def covers(self, reply: PollReply) -> bool:
        """Whether the reply has every byte and word the configured points need."""
        return (
            len(reply.sv) >= self._sv_needed
            and len(reply.di) >= len(self.di_words)
            and len(reply.ai) >= len(self.ai)
        )
