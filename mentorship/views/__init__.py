"""Pages of mentorship, one module per part of it. Access rules come from ``permissions``, writes from
``services``, reads from ``selectors``."""
