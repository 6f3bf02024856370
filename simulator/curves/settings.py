"""The fitter's fixed settings, without numpy, so the command line can show them in ``--help``."""

HELDOUT_DECADES = 0.1
# scratch cells with fewer optimiser steps are not fitted. 512 until issue 14; 128 since, so
# that the fitted budgets span 1.2 decades at every size (the shorter cells' misfit is then
# part of the held-out errors and warnings, not hidden from them)
MIN_STEPS = 128
PERCENTILES = (2.5, 97.5)
SIG_DIGITS = 7
