"""Tests of exam.analysis against figures computed by hand."""
