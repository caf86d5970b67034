from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "casework.quality"
    label = "quality"
    verbose_name = "Individual quality assessments"

    # The IQA assurance rules (rows from migration 0002_assurance_rules name these evaluators).
    assurance_evaluators = {
        "iqa_quota": "casework.quality.assurance.iqa_quota",
        "iqa_feedback_timely": "casework.quality.assurance.iqa_feedback_timely",
    }
    assurance_facts = {"iqa": "casework.quality.selectors.assurance_facts"}
