"""The fitter's fixed settings, without numpy, so the command line can show them in ``--help``."""

HELDOUT_DECADES = 0.1
MIN_STEPS = 512  # scratch cells with fewer optimiser steps are early training, not fitted
PERCENTILES = (2.5, 97.5)
SIG_DIGITS = 7
