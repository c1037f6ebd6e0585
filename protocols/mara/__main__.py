"""Command line of the Mara package: ``python -m protocols.mara decode [FILE]``."""

import argparse
import os
import sys

from .decode_tool import run_decode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m protocols.mara", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    decode = commands.add_parser(
        "decode",
        help="decode frames written in hex, one per line, to one JSON object per line",
    )
    decode.add_argument(
        "file", nargs="?", default="-", help="file of hex frames (default: standard input)"
    )
    arguments = parser.parse_args(argv)

    try:
        if arguments.file == "-":
            status = run_decode(sys.stdin.buffer, sys.stdout)
        else:
            with open(arguments.file, "rb") as source:
                status = run_decode(source, sys.stdout)
        sys.stdout.flush()
    except OSError as error:
        if isinstance(error, BrokenPipeError):
            # The reader went away (``| head``); nothing more to say to it.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 1
        parser.exit(2, f"{parser.prog}: {error}\n")
    return status


if __name__ == "__main__":
    sys.exit(main())
