"""Exam statistics as pure functions: items, reliability, agreement, validity, exposure, distributions."""
