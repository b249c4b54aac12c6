"""`python -m server` runs the askreport command."""

from server.cli import main

main()
