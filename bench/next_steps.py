"""Diagnosis and next step for each target, shown in docs/performance.md only while it is missed.

Written by hand from the profiles in bench/results/; keyed by target id (see report.evaluate_targets).
"""

NEXT_STEPS: dict[str, str] = {}
