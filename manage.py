#!/usr/bin/env python
"""Django's command-line utility for SMVE.

Configuration and database problems are printed as one line that says what to fix,
not as a traceback.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smve.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line
    from django.db.utils import OperationalError

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        sys.exit(f"smve: configuration error: {exc}")
    except OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        sys.exit(
            f"smve: cannot use the database ({reason}); "
            "check DATABASE_URL and that the database server is running."
        )


if __name__ == "__main__":
    main()
