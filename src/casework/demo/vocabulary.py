"""Fixed vocabulary the demo generator draws from: unit composition, courts, offences, names.

All of it is fictional or public place names; no real case or person appears here.
"""

from __future__ import annotations

from casework.cases.choices import OffenceClassification as OC
from casework.cases.choices import Stage

#: Staff per unit size: (grade code, how many). Small ~10, medium ~18, large ~30 people.
COMPOSITION: dict[str, list[tuple[str, int]]] = {
    "small": [
        ("unit-head", 1),
        ("legal-manager-1", 1),
        ("senior-specialist-prosecutor", 1),
        ("specialist-prosecutor", 1),
        ("senior-crown-prosecutor", 2),
        ("crown-prosecutor", 1),
        ("senior-paralegal-officer", 1),
        ("paralegal-officer", 1),
        ("operational-delivery", 1),
    ],
    "medium": [
        ("unit-head", 1),
        ("legal-manager-2", 1),
        ("legal-manager-1", 1),
        ("senior-specialist-prosecutor", 2),
        ("specialist-prosecutor", 2),
        ("senior-crown-prosecutor", 4),
        ("crown-prosecutor", 2),
        ("senior-paralegal-officer", 1),
        ("paralegal-officer", 2),
        ("paralegal-assistant", 1),
        ("operational-delivery", 1),
    ],
    "large": [
        ("unit-head", 1),
        ("legal-manager-2", 1),
        ("legal-manager-1", 2),
        ("senior-specialist-prosecutor", 3),
        ("specialist-prosecutor", 4),
        ("senior-crown-prosecutor", 7),
        ("crown-prosecutor", 3),
        ("senior-paralegal-officer", 2),
        ("paralegal-officer", 4),
        ("paralegal-assistant", 2),
        ("operational-delivery", 1),
    ],
}

LAWYER_GRADES = frozenset(
    {"senior-specialist-prosecutor", "specialist-prosecutor", "senior-crown-prosecutor", "crown-prosecutor"}
)
MANAGER_GRADES = frozenset({"legal-manager-1", "legal-manager-2"})
PARALEGAL_GRADES = frozenset({"senior-paralegal-officer", "paralegal-officer", "paralegal-assistant"})

TEAM_NAMES = ["Economic Crime team", "Serious Crime team", "Organised Crime team"]

#: (Crown Courts, magistrates' courts) by unit: where the unit's cases are heard.
COURTS: dict[str, tuple[list[str], list[str]]] = {
    "ccu-wessex": (
        ["Winchester Crown Court", "Southampton Crown Court", "Bournemouth Crown Court", "Salisbury Crown Court"],
        ["Southampton Magistrates' Court", "Poole Magistrates' Court", "Swindon Magistrates' Court"],
    ),
    "ccu-north-east": (
        ["Newcastle Crown Court", "Durham Crown Court", "Teesside Crown Court"],
        ["Newcastle Magistrates' Court", "Peterlee Magistrates' Court", "Teesside Magistrates' Court"],
    ),
    "ccu-wales": (
        ["Cardiff Crown Court", "Swansea Crown Court", "Mold Crown Court", "Newport Crown Court"],
        ["Cardiff Magistrates' Court", "Swansea Magistrates' Court", "Llandudno Magistrates' Court"],
    ),
    "ccu-east-midlands": (
        ["Nottingham Crown Court", "Leicester Crown Court", "Derby Crown Court", "Lincoln Crown Court"],
        ["Nottingham Magistrates' Court", "Leicester Magistrates' Court", "Northampton Magistrates' Court"],
    ),
    "ccu-east-of-england": (
        ["Chelmsford Crown Court", "Cambridge Crown Court", "Norwich Crown Court", "Ipswich Crown Court"],
        ["Chelmsford Magistrates' Court", "Norwich Magistrates' Court", "Ipswich Magistrates' Court"],
    ),
    "ccu-london": (
        ["Southwark Crown Court", "Central Criminal Court", "Snaresbrook Crown Court", "Woolwich Crown Court"],
        ["Westminster Magistrates' Court", "Highbury Corner Magistrates' Court", "Croydon Magistrates' Court"],
    ),
    "ccu-mersey-cheshire": (
        ["Liverpool Crown Court", "Chester Crown Court"],
        ["Liverpool Magistrates' Court", "Chester Magistrates' Court"],
    ),
    "ccu-north-west": (
        ["Manchester Crown Court (Minshull Street)", "Preston Crown Court", "Carlisle Crown Court"],
        ["Manchester Magistrates' Court", "Preston Magistrates' Court", "Carlisle Magistrates' Court"],
    ),
    "ccu-south-east": (
        ["Maidstone Crown Court", "Canterbury Crown Court", "Guildford Crown Court", "Lewes Crown Court"],
        ["Medway Magistrates' Court", "Guildford Magistrates' Court", "Brighton Magistrates' Court"],
    ),
    "ccu-south-west": (
        ["Bristol Crown Court", "Exeter Crown Court", "Truro Crown Court", "Gloucester Crown Court"],
        ["Bristol Magistrates' Court", "Exeter Magistrates' Court", "Cheltenham Magistrates' Court"],
    ),
    "ccu-thames-and-chiltern": (
        ["Reading Crown Court", "Oxford Crown Court", "Aylesbury Crown Court", "St Albans Crown Court"],
        ["Reading Magistrates' Court", "Oxford Magistrates' Court", "Luton Magistrates' Court"],
    ),
    "ccu-west-midlands": (
        ["Birmingham Crown Court", "Wolverhampton Crown Court", "Stafford Crown Court", "Warwick Crown Court"],
        ["Birmingham Magistrates' Court", "Wolverhampton Magistrates' Court", "Worcester Magistrates' Court"],
    ),
    "ccu-yorkshire-and-humberside": (
        ["Leeds Crown Court", "Sheffield Crown Court", "Bradford Crown Court", "Hull Crown Court"],
        ["Leeds Magistrates' Court", "Sheffield Magistrates' Court", "Hull Magistrates' Court"],
    ),
}
DEFAULT_COURTS = (["Crown Court"], ["Magistrates' Court"])

#: Acceptance criterion -> (relative frequency, offence category codes).
CRITERIA: dict[str, tuple[int, list[str]]] = {
    "complex-fraud": (18, ["fraud", "money-laundering"]),
    "serious-drugs": (16, ["drugs", "money-laundering"]),
    "organised-crime": (10, ["drugs", "firearms", "money-laundering"]),
    "serial-sexual-offending": (10, ["sexual"]),
    "child-abuse": (8, ["child-abuse", "sexual"]),
    "major-murder": (8, ["homicide", "violence", "firearms"]),
    "human-trafficking": (6, ["trafficking"]),
    "public-disorder": (3, ["public-order", "violence"]),
    "professional-misconduct": (3, ["corruption"]),
    "hate-murder": (2, ["homicide"]),
    "mercy-killing": (1, ["homicide"]),
    "restraint-confiscation": (4, ["money-laundering", "fraud"]),
    "pii": (2, ["drugs", "firearms"]),
    "media-interest": (3, ["homicide", "sexual", "corruption"]),
    "gnm-deaths-at-work": (3, ["health-and-safety"]),
    "outgoing-eaw": (1, ["fraud", "drugs"]),
    "mla": (1, ["fraud", "money-laundering"]),
    "socpa": (1, ["drugs", "firearms"]),
}

CCP_DIRECTION_REASONS = [
    "Linked to an existing CCU prosecution; one team keeps the disclosure picture whole.",
    "Significant community impact in the Area; the CCP directed specialist handling.",
    "Vulnerable complainants across several force areas need a single reviewing lawyer.",
    "Novel point of law on confiscation; directed to the unit for consistency.",
]

#: Offence category -> [(offence wording, classification)].
OFFENCES: dict[str, list[tuple[str, str]]] = {
    "fraud": [
        ("Conspiracy to defraud", OC.INDICTABLE_ONLY),
        ("Fraud by false representation, contrary to s.2 Fraud Act 2006", OC.EITHER_WAY),
        ("Fraud by abuse of position, contrary to s.4 Fraud Act 2006", OC.EITHER_WAY),
    ],
    "homicide": [
        ("Murder", OC.INDICTABLE_ONLY),
        ("Manslaughter", OC.INDICTABLE_ONLY),
        ("Conspiracy to murder", OC.INDICTABLE_ONLY),
    ],
    "sexual": [
        ("Rape, contrary to s.1 Sexual Offences Act 2003", OC.INDICTABLE_ONLY),
        ("Assault by penetration, contrary to s.2 Sexual Offences Act 2003", OC.INDICTABLE_ONLY),
        ("Sexual assault, contrary to s.3 Sexual Offences Act 2003", OC.EITHER_WAY),
    ],
    "drugs": [
        ("Conspiracy to supply a controlled drug of Class A", OC.INDICTABLE_ONLY),
        ("Being concerned in the supply of a controlled drug of Class A", OC.EITHER_WAY),
        ("Fraudulent evasion of the prohibition on importation of a controlled drug", OC.EITHER_WAY),
        ("Production of a controlled drug of Class B", OC.EITHER_WAY),
    ],
    "trafficking": [
        ("Arranging or facilitating travel with a view to exploitation, s.2 Modern Slavery Act 2015", OC.EITHER_WAY),
        ("Holding a person in slavery or servitude, s.1 Modern Slavery Act 2015", OC.EITHER_WAY),
    ],
    "violence": [
        ("Wounding with intent, contrary to s.18 Offences against the Person Act 1861", OC.INDICTABLE_ONLY),
        ("Inflicting grievous bodily harm, contrary to s.20 Offences against the Person Act 1861", OC.EITHER_WAY),
        ("Common assault", OC.SUMMARY_ONLY),
    ],
    "public-order": [
        ("Riot, contrary to s.1 Public Order Act 1986", OC.INDICTABLE_ONLY),
        ("Violent disorder, contrary to s.2 Public Order Act 1986", OC.EITHER_WAY),
        ("Threatening behaviour, contrary to s.4 Public Order Act 1986", OC.SUMMARY_ONLY),
    ],
    "money-laundering": [
        ("Concealing criminal property, contrary to s.327 Proceeds of Crime Act 2002", OC.EITHER_WAY),
        ("Entering into a money laundering arrangement, contrary to s.328 Proceeds of Crime Act 2002", OC.EITHER_WAY),
    ],
    "corruption": [
        ("Misconduct in public office", OC.INDICTABLE_ONLY),
        ("Bribing another person, contrary to s.1 Bribery Act 2010", OC.EITHER_WAY),
    ],
    "health-and-safety": [
        ("Gross negligence manslaughter", OC.INDICTABLE_ONLY),
        ("Failing to discharge a duty, contrary to s.3 Health and Safety at Work etc. Act 1974", OC.EITHER_WAY),
    ],
    "child-abuse": [
        ("Cruelty to a person under 16, contrary to s.1 Children and Young Persons Act 1933", OC.EITHER_WAY),
        ("Rape of a child under 13, contrary to s.5 Sexual Offences Act 2003", OC.INDICTABLE_ONLY),
        ("Sexual activity with a child, contrary to s.9 Sexual Offences Act 2003", OC.EITHER_WAY),
    ],
    "firearms": [
        ("Possession of a firearm with intent to endanger life", OC.INDICTABLE_ONLY),
        ("Possession of a prohibited weapon, contrary to s.5 Firearms Act 1968", OC.EITHER_WAY),
    ],
}

#: How likely each stage is for a demo case.
STAGE_WEIGHTS: dict[str, int] = {
    Stage.PRE_CHARGE: 15,
    Stage.CHARGING_DECISION: 7,
    Stage.CHARGED: 9,
    Stage.PTPH: 8,
    Stage.TRIAL_PREPARATION: 22,
    Stage.TRIAL: 4,
    Stage.SENTENCE: 5,
    Stage.FINALISED: 20,
    Stage.DISCONTINUED: 5,
    Stage.NO_FURTHER_ACTION: 5,
}

MAIN_PATH: list[str] = [
    Stage.PRE_CHARGE,
    Stage.CHARGING_DECISION,
    Stage.CHARGED,
    Stage.PTPH,
    Stage.TRIAL_PREPARATION,
    Stage.TRIAL,
    Stage.SENTENCE,
    Stage.FINALISED,
]

#: Days a case spends in a stage it has left: (minimum, maximum).
STAGE_DAYS: dict[str, tuple[int, int]] = {
    Stage.PRE_CHARGE: (90, 540),
    Stage.CHARGING_DECISION: (14, 90),
    Stage.CHARGED: (28, 28),  # sending to PTPH: 28 days under Better Case Management
    Stage.PTPH: (14, 50),
    Stage.TRIAL_PREPARATION: (90, 330),
    Stage.TRIAL: (3, 40),
    Stage.SENTENCE: (7, 60),
}

#: Days already spent in the current stage: (minimum, maximum).
CURRENT_STAGE_DAYS: dict[str, tuple[int, int]] = {
    Stage.PRE_CHARGE: (0, 400),
    Stage.CHARGING_DECISION: (0, 60),
    Stage.CHARGED: (0, 27),
    Stage.PTPH: (0, 45),
    Stage.TRIAL_PREPARATION: (0, 300),
    Stage.TRIAL: (0, 30),
    Stage.SENTENCE: (0, 40),
    Stage.FINALISED: (0, 900),
    Stage.DISCONTINUED: (0, 700),
    Stage.NO_FURTHER_ACTION: (0, 700),
}

OPERATION_WORDS = [
    "Alder",
    "Ash",
    "Aspen",
    "Beech",
    "Birch",
    "Blackthorn",
    "Box",
    "Cedar",
    "Elder",
    "Elm",
    "Fir",
    "Hawthorn",
    "Hazel",
    "Holly",
    "Hornbeam",
    "Juniper",
    "Larch",
    "Lime",
    "Maple",
    "Oak",
    "Pine",
    "Poplar",
    "Rowan",
    "Spruce",
    "Sycamore",
    "Walnut",
    "Willow",
    "Yew",
    "Avocet",
    "Bittern",
    "Bunting",
    "Buzzard",
    "Chough",
    "Curlew",
    "Dipper",
    "Dunlin",
    "Egret",
    "Fieldfare",
    "Gannet",
    "Godwit",
    "Goshawk",
    "Grebe",
    "Harrier",
    "Heron",
    "Hobby",
    "Jackdaw",
    "Kestrel",
    "Kingfisher",
    "Kite",
    "Lapwing",
    "Linnet",
    "Magpie",
    "Martin",
    "Merlin",
    "Nightjar",
    "Osprey",
    "Peregrine",
    "Pipit",
    "Plover",
    "Puffin",
    "Raven",
    "Redstart",
    "Redwing",
    "Shrike",
    "Siskin",
    "Skylark",
    "Snipe",
    "Sparrowhawk",
    "Starling",
    "Stonechat",
    "Swift",
    "Teal",
    "Tern",
    "Thrush",
    "Wagtail",
    "Warbler",
    "Waxwing",
    "Wheatear",
    "Wigeon",
    "Wren",
    "Agate",
    "Amber",
    "Basalt",
    "Beryl",
    "Chalk",
    "Cobalt",
    "Flint",
    "Garnet",
    "Granite",
    "Jasper",
    "Jet",
    "Marble",
    "Obsidian",
    "Onyx",
    "Opal",
    "Quartz",
    "Slate",
    "Topaz",
    "Avon",
    "Cherwell",
    "Derwent",
    "Exe",
    "Fowey",
    "Itchen",
    "Kennet",
    "Medway",
    "Nene",
    "Ouse",
    "Severn",
    "Stour",
    "Tamar",
    "Tees",
    "Test",
    "Trent",
    "Tyne",
    "Usk",
    "Wear",
    "Wye",
    "Yare",
]

SUMMARY_OPENINGS: dict[str, str] = {
    "fraud": "Investment fraud in which investors were persuaded to buy worthless shares through a call centre",
    "drugs": "Importation and onward supply of cocaine through a network of couriers and safe houses",
    "sexual": "Historic and recent sexual offending against several complainants over many years",
    "homicide": "Fatal attack following a long-running dispute between two groups",
    "trafficking": "Recruitment of workers abroad who were then exploited in car washes and nail bars",
    "violence": "Serious violence linked to the control of a local drugs market",
    "public-order": "Large-scale disorder outside licensed premises, captured on body-worn video",
    "money-laundering": "Movement of criminal proceeds through money service businesses and crypto-assets",
    "corruption": "Alleged misuse of a public office to benefit an associate's business",
    "health-and-safety": "Death of a worker after a trench collapsed on a construction site",
    "child-abuse": "Abuse of children within an extended family, disclosed after a school referral",
    "firearms": "Supply and conversion of blank-firing handguns to live-firing weapons",
}

ABSENCE_REASONS: dict[str, list[str]] = {
    "annual_leave": ["Annual leave", "Annual leave (family holiday)", "Annual leave carried over"],
    "sickness": ["Sickness absence", "Post-operative recovery"],
    "training": ["Advocacy refresher course", "Disclosure training (CPIA)", "Proceeds of crime training"],
    "secondment": ["Secondment to CPS HQ policy team"],
    "trade_union": ["Trade union representative duties"],
    "other_reduction": [
        "Mentoring newly appointed Crown Prosecutors",
        "Phased return to work",
        "Area disclosure champion role",
        "Leading the unit's IQA moderation",
    ],
}
