"""Fault tests: scripted, repeatable, bounded failure drills (issue #9). Run with scripts/faults.sh."""
