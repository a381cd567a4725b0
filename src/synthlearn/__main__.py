"""``python -m synthlearn``: the ``synthlearn`` command, where the script is not on the PATH."""

from synthlearn.cli.main import main

if __name__ == "__main__":  # importing the module (as walking the package does) runs nothing
    main()
