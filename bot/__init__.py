"""Discord application: the only package that imports discord."""
