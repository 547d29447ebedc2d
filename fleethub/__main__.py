"""`python -m fleethub` runs the CLI."""

from fleethub.cli import main

main()
