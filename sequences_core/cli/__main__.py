"""`python -m sequences_core.cli`, as the tests and `make run` call it."""

from sequences_core.cli import main

if __name__ == "__main__":  # spawned worker processes may import the main module again
    main()
