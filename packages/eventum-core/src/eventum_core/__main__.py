"""`python -m eventum_core` is the `eventum` command."""

from eventum_core.cli.app import main

main()
