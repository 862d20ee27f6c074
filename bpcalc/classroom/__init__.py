"""For instructors and TAs: problem templates, variants good to work by hand, class marking and exports."""
