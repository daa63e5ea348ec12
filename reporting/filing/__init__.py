"""Filing a base's yearly report: who may do what, the workflow services, rounds, checks,
the form and its pages."""
