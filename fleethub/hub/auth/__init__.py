"""Who may do what, whichever face the request came through."""
