"""Oversight: compliance dashboards from unit to nation, inspection sampling and s.62 exports."""
