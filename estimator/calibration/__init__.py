"""Calibration of the speed model: the data it is fitted on, the fit, and the fitted constants."""
