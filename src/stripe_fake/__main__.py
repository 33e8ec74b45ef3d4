"""``python -m stripe_fake serve``: same as the ``stripe-fake`` console script."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
