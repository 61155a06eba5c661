"""Activities: the public upcoming list, the iCalendar feed, and members' activity forms."""
