"""`python -m knowledge`: validate the catalog files and print every problem."""

import sys

from knowledge.loader import load_catalog

report = load_catalog()
for problem in report.problems:
    print(problem)
print(report.catalog.counts(), f"{len(report.problems)} problem(s)")
sys.exit(1 if report.problems else 0)
