"""Editing members' records through the moderated flow: service forms, review queue, history."""
