"""``python -m synthlearn``: the ``synthlearn`` command, where the script is not on the PATH."""

from synthlearn.cli.main import main

main()
