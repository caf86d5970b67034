"""The default file-examination question set as data, loaded as version 1 by a data migration.

A new version is a new row (same code, next version); samples keep the version they were drawn with.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

FILE_EXAMINATION: dict[str, Any] = {
    "code": "file-examination",
    "version": 1,
    "title": "Complex casework file examination",
    "source": "HMCPSI file examination approach (domain brief §12); questions: local policy",
    "effective_from": dt.date(2026, 1, 1).isoformat(),
    "questions": [
        {"code": "acceptance", "text": "The case met the unit's acceptance criteria and the basis was recorded."},
        {"code": "case-strategy", "text": "There was a clear, recorded case strategy reviewed at key stages."},
        {"code": "charging", "text": "The charging decision complied with the Code for Crown Prosecutors."},
        {"code": "disclosure", "text": "Disclosure obligations were met and the disclosure strategy recorded."},
        {"code": "ctl", "text": "Custody time limits were correctly calculated, dual-checked and monitored."},
        {"code": "victims", "text": "Victims and witnesses were kept informed as the Victims' Code requires."},
        {"code": "progression", "text": "Directions and key deadlines were met or the delay was explained."},
        {"code": "sign-off", "text": "Mandatory management sign-offs were obtained at the required points."},
    ],
}
