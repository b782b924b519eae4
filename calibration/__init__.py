"""Offline calibration of the estimator's speed constants (a development tool, not shipped with the estimator).

``calibration.fit`` reads data/calibration and the ``fit`` side of data/measurements/split.yaml, fits the constants
and writes estimator/calibration/constants.py; ``calibration.benchmarks`` turns catalog benchmark rows into estimator
requests for the fit and for bench/estimator_accuracy.py. Only this package may look at the catalog and the estimator
together; the estimator itself never imports the catalog.
"""
