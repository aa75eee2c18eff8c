"""The everai SDK for Python: apps written with Flask, run by the everai platform (docs/python.md)."""
import sys

# Checked before anything else loads: the modules below use syntax a Python older than 3.10 cannot read.
if sys.version_info < (3, 10):
    raise ImportError(f"the everai SDK needs Python 3.10 or newer; this is Python {sys.version.split()[0]}")
