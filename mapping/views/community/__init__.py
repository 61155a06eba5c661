"""Members helping members: the support board (open calls) and the toolkit (documents)."""
