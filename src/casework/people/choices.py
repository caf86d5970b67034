from django.db import models


class RoleCode(models.TextChoices):
    PROSECUTOR = "prosecutor", "Prosecutor"
    PARALEGAL = "paralegal", "Paralegal officer"
    LEGAL_MANAGER = "legal_manager", "Legal manager"
    UNIT_HEAD = "unit_head", "Unit head"
    AREA_LEADERSHIP = "area_leadership", "Area leadership"
    HQ_ANALYST = "hq_analyst", "HQ analyst"
    HQ_POLICY = "hq_policy", "HQ policy lead"
    INSPECTOR = "inspector", "Inspector"
    POLICE_LIAISON = "police_liaison", "Police liaison officer"
    ADMINISTRATOR = "administrator", "System administrator"
    RECORDS_OFFICER = "records_officer", "Records officer"


#: Roles that work cases in a unit: their "own work" is their allocated cases.
CASEWORKER_ROLES = frozenset({RoleCode.PROSECUTOR, RoleCode.PARALEGAL})
#: Roles that manage a unit: they see and may edit every case in their unit.
UNIT_MANAGER_ROLES = frozenset({RoleCode.LEGAL_MANAGER, RoleCode.UNIT_HEAD})
#: Roles that read across the whole country and never edit case content.
NATIONAL_READ_ROLES = frozenset({RoleCode.HQ_ANALYST, RoleCode.INSPECTOR})
#: CPS staff (not the inspectorate, police or system administrators): reference tools such as the
#: custody time limit calculator are for them.
CPS_STAFF_ROLES = CASEWORKER_ROLES | UNIT_MANAGER_ROLES | frozenset({RoleCode.AREA_LEADERSHIP, RoleCode.HQ_ANALYST})
#: Roles that may open a restricted record (DPA 2018 s.47(2)) of their own unit, giving a reason each time.
RESTRICTED_READER_ROLES = frozenset({RoleCode.UNIT_HEAD, RoleCode.RECORDS_OFFICER})
#: Roles that open case data beyond one's own allocated work (a whole unit, an Area, the nation) or
#: that administer access: granting one needs a second administrator's approval (people.RoleGrant).
WIDENING_ROLES = frozenset(
    {
        RoleCode.LEGAL_MANAGER,
        RoleCode.UNIT_HEAD,
        RoleCode.AREA_LEADERSHIP,
        RoleCode.HQ_ANALYST,
        RoleCode.INSPECTOR,
        RoleCode.ADMINISTRATOR,
        RoleCode.RECORDS_OFFICER,
    }
)


class UnitSize(models.TextChoices):
    SMALL = "small", "Small"
    MEDIUM = "medium", "Medium"
    LARGE = "large", "Large"


class WorkingPattern(models.TextChoices):
    FULL_TIME = "full_time", "Full time"
    PART_TIME = "part_time", "Part time"
    COMPRESSED = "compressed", "Compressed hours"
    JOB_SHARE = "job_share", "Job share"


class AbsenceKind(models.TextChoices):
    ANNUAL_LEAVE = "annual_leave", "Annual leave"
    SICKNESS = "sickness", "Sickness absence"
    TRAINING = "training", "Training"
    SECONDMENT = "secondment", "Secondment"
    TRADE_UNION = "trade_union", "Trade union duties"
    OTHER_REDUCTION = "other_reduction", "Other reduction"
