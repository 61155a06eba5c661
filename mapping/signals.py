"""Signals the directory sends to the layers above it (which subscribe; mapping imports none
of them)."""

from django.dispatch import Signal

# Sent when an import wrote services in bulk (no per-row save signals), inside its transaction;
# kwargs: source (the source's name), service_ids. Layers recompute what they derive after commit.
directory_imported = Signal()

# Moderated publishing (mapping.actions.publishing), sent after commit; kwargs: record.
# A member submitted a record or a pending revision of it: moderators are told.
review_requested = Signal()
# A moderator decided; kwargs also: decision ("published", "approved" or "returned"), comment.
review_decided = Signal()
