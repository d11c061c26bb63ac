"""Pages of investments, one module per part: programmes (open calls, the incubator's dashboard, cohorts),
applications and their reviews, a startup's enrolment in its cohort (milestones, evidence, tranches) and
pitches. The deal room has its own package, ``investments.dealroom``. Access rules come from
``permissions``, writes from ``services``, reads from ``selectors``."""
