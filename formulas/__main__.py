"""`python -m formulas eval "SOURCE" [--context FILE.json]` (see `formulas.cli`)."""

import sys

from formulas.cli import main

sys.exit(main())
