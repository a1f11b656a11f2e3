"""The scheduler: picks a host through Placement, filters and weighers, then claims it."""
