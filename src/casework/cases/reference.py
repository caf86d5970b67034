"""Reference data for the case register: the national list of CCU case types (acceptance
criteria) and offence categories. Source: CPS Complex Casework Unit case acceptance criteria,
as summarised in the HMCPSI inspection of CCUs (March 2021).

Assisted suicide is not a CCU acceptance criterion: it is decided nationally, in the Special Crime
and Counter Terrorism Division."""

SOURCE = (
    "CPS CCU case acceptance criteria, as summarised in the HMCPSI inspection of CCUs (2 March 2021). "
    "https://www.cps.gov.uk/publication/cps-response-hmcpsi-review-complex-casework-units"
)

ACCEPTANCE_CRITERIA: list[tuple[str, str]] = [
    ("complex-fraud", "Substantial or complex fraud"),
    ("human-trafficking", "Large-scale human trafficking"),
    ("serious-drugs", "Serious drugs importation, manufacture or supply"),
    ("organised-crime", "Major organised or international criminals"),
    ("serial-sexual-offending", "Serial sexual offending after long investigations"),
    ("child-abuse", "Large-scale or multi-generational child abuse"),
    ("public-disorder", "Major public disorder"),
    ("professional-misconduct", "Professional misconduct"),
    ("hate-murder", "Hate-related murder"),
    ("mercy-killing", "Mercy killing"),
    ("major-murder", "High-profile, multi-victim or multi-defendant murder"),
    ("restraint-confiscation", "Complex restraint and confiscation"),
    ("pii", "Complicated public interest immunity issues"),
    ("media-interest", "Major media interest"),
    ("gnm-deaths-at-work", "Gross negligence manslaughter or death at work"),
    ("outgoing-eaw", "Outgoing European Arrest Warrant"),
    ("mla", "Mutual legal assistance request"),
    ("socpa", "SOCPA immunity agreement"),
]

OFFENCE_CATEGORIES: list[tuple[str, str]] = [
    ("fraud", "Fraud and forgery"),
    ("homicide", "Homicide"),
    ("sexual", "Sexual offences"),
    ("drugs", "Drugs offences"),
    ("trafficking", "Human trafficking and modern slavery"),
    ("violence", "Offences against the person"),
    ("public-order", "Public order"),
    ("money-laundering", "Money laundering"),
    ("corruption", "Bribery and corruption"),
    ("health-and-safety", "Health and safety"),
    ("child-abuse", "Child abuse"),
    ("firearms", "Firearms"),
]
