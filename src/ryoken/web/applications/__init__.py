"""Applications: the rows, their transitions, fees, reception numbers and the screens of
their persons. The counter and casework both build on this app; neither imports the other."""
