"""cleaning stage."""
