"""The service ledger (服务台帐, SPEC section 9): the base's own record of its service
activities, their evidence and its third-party institutions, kept all year."""
