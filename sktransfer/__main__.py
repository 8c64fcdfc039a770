"""``python -m sktransfer demo`` and ``python -m sktransfer shift``."""

from .demo import main

main()
