"""Benchmark-only settings: the product's settings plus django-auditlog, the audit peer.

The product never depends on django-auditlog. The benchmark process alone installs it, so that the
same case edits can be audited the way most Django projects do it (a LogEntry per model save) and
compared with the product's chained audit trail in the same run.
"""

from casework.settings import *  # noqa: F403
from casework.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "auditlog"]
