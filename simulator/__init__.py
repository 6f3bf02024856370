"""Compute Moat: compute accounting, distillation experiments, scaling-law fits and
export-control scenarios.

Run ``python -m simulator --help`` for the command line.
"""

__version__ = "0.1.0"
