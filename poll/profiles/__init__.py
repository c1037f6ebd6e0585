"""Profiles as data: load a profile file into the database and export one back.

The file format is described in docs/profile-format.md. Loading updates a profile of the
same name in place (COMasters by name, IEDs by offset, points by tag) so that a reload
keeps the history of the points it keeps, and removes what the file no longer has.
Every object is validated like the admin validates it (the model's ranges, taken from the
protocols), and its values must also be of the right JSON type, which Django alone would
quietly convert. A file is loaded whole or not at all: every problem is reported, each
with its place in the file, the object and the field, and nothing is written.

``retries`` was once the key of the tries of a request, counted with the first try for a
COMaster but without it for a Modbus device; ``attempts`` (the first included) replaced it
for both. A file with ``retries`` still loads, with the meaning it had for that object, and
a :class:`ProfileFileWarning` saying so.

Modbus devices list their points inline, or name a register map (``fixtures/modbus/``) that
loading expands into points (with a tag prefix for a template map such as one meter's);
inline points then override the map's by tag. A file may ``include`` other profile files,
whose COMasters and Modbus devices join it (optionally with another Modbus poll interval):
one profile for several sites.
"""

from poll.profiles.export import export_profile
from poll.profiles.files import ProfileFileError, ProfileFileWarning, read_profile_file
from poll.profiles.loader import ProfileLoader, load_profile
from poll.profiles.modbus import modbus_points
from poll.profiles.sections import register_profile_section

__all__ = [
    "ProfileFileError",
    "ProfileFileWarning",
    "ProfileLoader",
    "export_profile",
    "load_profile",
    "modbus_points",
    "read_profile_file",
    "register_profile_section",
]
